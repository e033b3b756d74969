package provider

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"fmt"

	"github.com/pulumi/pulumi-go-provider/infer"
)

// Credentials are a Backend.AI user's login, generated once and kept
// (backendai:index:Credentials): an access key and secret key as Backend.AI makes them
// (`generate_keypair()` in ai/backend/manager/models/keypair: "AKIA" and base32 of 10
// random bytes; `secrets.token_urlsafe(30)`), and a password. Every output is a secret;
// an update keeps them, only a replacement makes new ones.
type Credentials struct{}

// CredentialsArgs name whose credentials they are, in messages and previews.
type CredentialsArgs struct {
	// User is the user they are for, e.g. the superadmin's email.
	User string `pulumi:"user"`
}

// CredentialsState holds the generated credentials.
type CredentialsState struct {
	CredentialsArgs
	AccessKey string `pulumi:"accessKey" provider:"secret"`
	SecretKey string `pulumi:"secretKey" provider:"secret"`
	Password  string `pulumi:"password" provider:"secret"`
}

func (c *Credentials) Annotate(a infer.Annotator) {
	a.SetToken("index", "Credentials")
	a.Describe(&c, "A Backend.AI user's access key, secret key and password, generated once and kept as secrets.")
}

func (c *Credentials) Create(ctx context.Context, req infer.CreateRequest[CredentialsArgs]) (infer.CreateResponse[CredentialsState], error) {
	state := CredentialsState{CredentialsArgs: req.Inputs}
	if req.DryRun {
		return infer.CreateResponse[CredentialsState]{ID: req.Name, Output: state}, nil
	}
	var err error
	if state.AccessKey, state.SecretKey, state.Password, err = generateCredentials(); err != nil {
		return infer.CreateResponse[CredentialsState]{}, fmt.Errorf("credentials for %s: %w", req.Inputs.User, err)
	}
	return infer.CreateResponse[CredentialsState]{ID: req.Name, Output: state}, nil
}

// Update keeps the credentials: a user's login changes only when asked (a replace).
func (c *Credentials) Update(ctx context.Context, req infer.UpdateRequest[CredentialsArgs, CredentialsState]) (infer.UpdateResponse[CredentialsState], error) {
	state := req.State
	state.CredentialsArgs = req.Inputs
	return infer.UpdateResponse[CredentialsState]{Output: state}, nil
}

func generateCredentials() (access, secret, password string, err error) {
	b := make([]byte, 10+30+18)
	if _, err := rand.Read(b); err != nil {
		return "", "", "", err
	}
	access = "AKIA" + base32.StdEncoding.EncodeToString(b[:10])
	secret = base64.RawURLEncoding.EncodeToString(b[10:40])
	password = base64.RawURLEncoding.EncodeToString(b[40:])
	return access, secret, password, nil
}
