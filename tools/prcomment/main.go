// Command prcomment writes a pull request's comment from the previews of its stacks:
// for each STACK=FILE, FILE is that stack's `pulumi preview --json` (see internal/review).
// The comment starts with a marker line, by which the workflow finds and updates it.
//
//	prcomment dev=dev.json prod=prod.json > comment.md
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/backendai-infra/backendai-infra/internal/review"
)

// Marker begins the comment.
const Marker = "<!-- backendai-infra preview -->"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: prcomment STACK=PREVIEW.json...")
		os.Exit(2)
	}
	fmt.Printf("%s\n## Pulumi preview\n\n", Marker)
	for _, arg := range os.Args[1:] {
		stack, file, ok := strings.Cut(arg, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "prcomment: %q: want STACK=FILE\n", arg)
			os.Exit(2)
		}
		raw, err := os.ReadFile(file)
		if err == nil {
			var p review.Preview
			if p, err = review.Parse(raw); err == nil {
				err = review.Write(os.Stdout, stack, p)
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "prcomment: %s: %v\n", arg, err)
			os.Exit(1)
		}
	}
}
