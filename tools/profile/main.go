// Command profile prints where an up's time went: its critical path and the time per
// phase, from the up's event log and the state exported after it:
//
//	pulumi up --yes --event-log /tmp/up.events
//	pulumi stack export --file /tmp/state.json
//	go run ./tools/profile /tmp/up.events /tmp/state.json
package main

import (
	"fmt"
	"os"

	"github.com/backendai-infra/backendai-infra/internal/profile"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: profile EVENT_LOG STATE_EXPORT")
		os.Exit(2)
	}
	p, err := profile.ReadFiles(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
	p.Write(os.Stdout)
}
