package workflows

// The run bounds, for tests that drive a run up to them.
const (
	MaxStepsPerRun      = maxStepsPerRun
	MaxIterationsPerRun = maxIterationsPerRun
)
