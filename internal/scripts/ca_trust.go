package scripts

import _ "embed"

//go:embed ca_trust.sh
var caTrustSh string

// CATrust is ca_trust.sh, after the prelude.
var CATrust = prelude + caTrustSh

// CATrustInput is ca_trust.sh's: a private CA's certificate, in PEM form.
type CATrustInput struct {
	Cert string `env:"CA_CERT"`
}

func (CATrustInput) Script() string { return CATrust }
