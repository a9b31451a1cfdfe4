package workflows

// The run bounds, for tests that drive a run up to them.
const (
	MaxStepsPerRun      = maxStepsPerRun
	MaxIterationsPerRun = maxIterationsPerRun
)

// MaxTurnsPerRun bounds a co-pilot run, for the continue-as-new test.
const MaxTurnsPerRun = maxTurnsPerRun
