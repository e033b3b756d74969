package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// AcceleratorInputs are the Accelerator component's inputs as the provider serves it:
// a node's accelerator runtime, apart from any agent.
type AcceleratorInputs struct {
	Connection HostConnection `pulumi:"connection"`
	// Kind is the accelerator: only NVIDIA's needs the node itself prepared.
	Kind string `pulumi:"kind"`
	// ToolkitRepo is the NVIDIA Container Toolkit's apt repository (a mirror of it).
	ToolkitRepo string `pulumi:"toolkitRepo,optional"`
}

// NewServedAccelerator is the Accelerator component as the provider serves it: what a
// node needs for NVIDIA GPUs before an agent uses them (Backend.AI's "Setting Up
// Accelerators"): the driver checked and the Container Toolkit with Docker's nvidia
// runtime. The plugin itself goes into an agent's venv with the agent (the
// accelerators of an AgentNode's or an AgentPool's node), which installs this too.
func NewServedAccelerator(ctx *pulumi.Context, name string, in AcceleratorInputs, opts ...pulumi.ResourceOption) (*Accelerator, error) {
	conn, err := in.Connection.connection("connection")
	if err != nil {
		return nil, fmt.Errorf("accelerator %s: %w", name, err)
	}
	if in.Kind != spec.AcceleratorNVIDIA {
		return nil, fmt.Errorf("accelerator %s: kind: %q has no step on the node of its own (want %q); the %s and other vendors' plugins come with the agent: give them as an AgentNode's or an AgentPool's node accelerators",
			name, in.Kind, spec.AcceleratorNVIDIA, spec.AcceleratorMock)
	}
	repo := in.ToolkitRepo
	if repo == "" {
		repo = DefaultNVIDIARepo
	} else if !strings.HasPrefix(repo, "https://") && !strings.HasPrefix(repo, "http://") {
		return nil, fmt.Errorf("accelerator %s: toolkitRepo: %q is not an http(s) URL", name, repo)
	}
	_, module := pluginOf(spec.Accelerator{Kind: in.Kind})
	a := &Accelerator{Module: module}
	if err := ctx.RegisterComponentResource(AcceleratorType, name, a, opts...); err != nil {
		return nil, err
	}
	a.Plugin = pulumi.String(module).ToStringOutput()
	s := steps{ctx: ctx, name: name, parent: a, conn: conn}
	// Its report (the GPUs, the toolkit's version) holds no secret: the component's output.
	toolkit, err := s.report("nvidia-toolkit", scripts.NVIDIAInput{Repo: repo}, nil)
	if err != nil {
		return nil, err
	}
	a.Ready = []pulumi.Resource{toolkit}
	a.Toolkit = toolkit.Stdout.ApplyT(lastLine).(pulumi.StringOutput)
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{"toolkit": a.Toolkit, "module": a.Plugin})
}

// lastLine is a step's report: the last line of its output.
func lastLine(out string) string {
	out = strings.TrimRight(out, "\n")
	return out[strings.LastIndex(out, "\n")+1:]
}

func (a *Accelerator) Annotate(an infer.Annotator) {
	an.Describe(&a, "What a node needs for NVIDIA GPUs before an agent uses them, as \"Setup accelerators\" in "+
		"Backend.AI's `docs/install/install-from-package/os-preparation.rst` (26.8.1) asks: the driver checked (never "+
		"installed: it belongs to the node's image) and the NVIDIA Container Toolkit with Docker's nvidia runtime. The "+
		"CUDA plugin itself goes into an agent's venv with the agent (an AgentNode's or an AgentPool's node accelerators, "+
		"which prepare this too).")
	an.Describe(&a.Toolkit, "The node's GPUs and the Container Toolkit's version, as the step found them.")
	an.Describe(&a.Plugin, "The plugin module an agent loads for the kind (allow-compute-plugins).")
}

func (in *AcceleratorInputs) Annotate(a infer.Annotator) {
	a.Describe(&in.Connection, "How the node is reached over SSH; Docker must be on it (Host).")
	a.Describe(&in.Kind, "\"nvidia\": the only kind with a step on the node of its own.")
	a.Describe(&in.ToolkitRepo, "The NVIDIA Container Toolkit's apt repository; default NVIDIA's, "+DefaultNVIDIARepo+".")
}
