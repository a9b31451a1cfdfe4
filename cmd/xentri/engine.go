package main

import (
	"fmt"

	"github.com/xentri/xentri/internal/platform/config"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/brief/extract"
)

// engineFrom builds the engine that reads the owner's words
// (XENTRI_AI_ENGINE): the offline rules engine, or an OpenAI-compatible
// endpoint that takes contact details from the rules engine still.
func engineFrom(cfg config.Config) (extract.Engine, error) {
	rules := extract.NewRules()
	if cfg.AIEngine != "openai" {
		return rules, nil
	}
	e, err := extract.NewOpenAI(extract.OpenAIConfig{
		BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel, Timeout: cfg.LLMTimeout,
	}, rules)
	if err != nil {
		return nil, fmt.Errorf("ai engine: %w", err)
	}
	return e, nil
}

// writerFrom builds the writer of brand copy (XENTRI_AI_ENGINE): the
// offline templates, or the same OpenAI-compatible endpoint as the engine.
func writerFrom(cfg config.Config) (brand.Writer, error) {
	if cfg.AIEngine != "openai" {
		return brand.Templates{}, nil
	}
	w, err := brand.NewOpenAIWriter(extract.OpenAIConfig{
		BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel, Timeout: cfg.LLMTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("ai copy writer: %w", err)
	}
	return w, nil
}
