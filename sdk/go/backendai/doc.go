// Deploys Backend.AI clusters: remote host steps and Backend.AI data resources.
package backendai
