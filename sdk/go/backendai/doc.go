// Deploys Backend.AI clusters: components for its nodes, their convergent steps over SSH, and Backend.AI data resources (etcd keys, database fixtures).
package backendai
