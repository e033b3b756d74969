// Package scripts holds the convergent shell scripts that prepare a host, one per
// concern, each beside its Go file: the script embedded, its typed input (whose fields
// are the variables the script reads) and what renders that input from the cluster spec.
//
// Each script is a real file that runs after prelude.sh, the functions they share
// (`cat prelude.sh facts.sh | VAR=... bash`): it checks before it changes, so running it
// twice changes nothing the second time. Inputs come in environment variables; the
// remote step exports them on the script's stdin, never on a command line. A script
// whose header says "# Check mode: " reads itself back with BAI_CHECK=1 (a refresh).
package scripts

import _ "embed"

// prelude is the functions the scripts share; each script is sent after it.
//
//go:embed prelude.sh
var prelude string
