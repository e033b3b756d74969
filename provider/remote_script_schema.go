package provider

import "github.com/pulumi/pulumi-go-provider/infer"

// The Script's and its connection's documentation in the package's schema, which its
// SDKs carry.

func (a *ScriptArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Connection, "How the host is reached over SSH.")
	an.Describe(&a.Script, "The body run by bash on the host; it reads its inputs from the environment. A change reruns it.")
	an.Describe(&a.Environment, "Variables exported before the script runs; their values show in previews. A change reruns it.")
	an.Describe(&a.SecretEnvironment, "Variables exported like environment, secret everywhere: never in previews, logs, "+
		"the command line or the state in plaintext.")
	an.Describe(&a.Delete, "A script run on destroy, with the same environment; none: destroying forgets the step.")
	an.Describe(&a.PublicStdout, "Keeps the stdout of a script with secret inputs that prints a report derived from none "+
		"of them; the secret values are scrubbed from it all the same.")
	an.Describe(&a.Timeout, "Bounds one run of the script, in seconds; default an hour.")
	an.Describe(&a.Drift, "Set by `pulumi refresh`, not by a program: what on the host no longer matches what the "+
		"script made, one line each, as the script's check mode (BAI_CHECK=1) reports it; the next up reruns the step. "+
		"A script without a check mode is not read back by a refresh.")
}

func (s *ScriptState) Annotate(a infer.Annotator) {
	a.Describe(&s.Stdout, "The stdout of the last run; empty for a script with secret inputs unless publicStdout.")
}

func (c *Connection) Annotate(a infer.Annotator) {
	a.Describe(&c.Host, "The address to connect to.")
	a.Describe(&c.Port, "The SSH port; default 22.")
	a.Describe(&c.User, "The user to log in as; default root. Any other user needs password-less sudo.")
	a.Describe(&c.PrivateKey, "The login key, in OpenSSH or PEM form, without a passphrase.")
	a.Describe(&c.HostKey, "The host's key in authorized_keys form (\"ssh-ed25519 AAAA...\"); given, it is checked.")
	a.Describe(&c.DialAttempts, "How many times a refused or dropped connection is tried (a host booting, sshd "+
		"restarting); 25 seconds at most in any case.")
}
