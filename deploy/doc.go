// Package deploy holds the deployment artifacts (Dockerfile, Kubernetes manifests, compose support files); its tests check them without a container engine.
package deploy
