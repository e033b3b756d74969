package provider

import (
	"context"
	"regexp"
	"testing"

	"github.com/pulumi/pulumi-go-provider/infer"
)

// TestCredentialsAreGeneratedOnceAndKept: the keypair has Backend.AI's shape, every
// create makes new credentials, and an update keeps them.
func TestCredentialsAreGeneratedOnceAndKept(t *testing.T) {
	c := &Credentials{}
	create := func() CredentialsState {
		res, err := c.Create(context.Background(), infer.CreateRequest[CredentialsArgs]{Name: "superadmin", Inputs: CredentialsArgs{User: "a@b.c"}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Output
	}
	first, second := create(), create()
	for _, tt := range []struct {
		name, value string
		form        *regexp.Regexp
	}{
		{"access key", first.AccessKey, regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)},
		{"secret key", first.SecretKey, regexp.MustCompile(`^[A-Za-z0-9_-]{40}$`)},
		{"password", first.Password, regexp.MustCompile(`^[A-Za-z0-9_-]{24}$`)},
	} {
		if !tt.form.MatchString(tt.value) {
			t.Errorf("%s %q does not match %s", tt.name, tt.value, tt.form)
		}
	}
	if first.AccessKey == second.AccessKey || first.SecretKey == second.SecretKey || first.Password == second.Password {
		t.Error("two creates made the same credentials")
	}
	up, err := c.Update(context.Background(), infer.UpdateRequest[CredentialsArgs, CredentialsState]{
		Inputs: CredentialsArgs{User: "new@b.c"}, State: first})
	if err != nil {
		t.Fatal(err)
	}
	if up.Output.AccessKey != first.AccessKey || up.Output.SecretKey != first.SecretKey || up.Output.Password != first.Password || up.Output.User != "new@b.c" {
		t.Errorf("an update changed the credentials: %+v", up.Output)
	}
}
