module github.com/backendai-infra/backendai-infra/tools/sdkfiles

go 1.25
