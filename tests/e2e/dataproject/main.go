// Command dataproject is the data resources' end-to-end test program: key trees and
// fixtures, through the program-side API of infra/data.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/backendai-infra/backendai-infra/infra/data"
	"github.com/backendai-infra/backendai-infra/infra/remote"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		etcd := data.EtcdConnection{Endpoints: []string{cfg.Require("etcdEndpoint")}}

		var tree map[string]any
		cfg.RequireObject("config", &tree)
		if _, err := data.NewKeyTree(ctx, "config", data.KeyTreeArgs{
			Connection: etcd, Namespace: "local", Prefix: "config", Value: tree,
		}); err != nil {
			return err
		}
		if _, err := data.NewKeyTree(ctx, "volumes", data.KeyTreeArgs{
			Connection: etcd, Namespace: "local", Prefix: "volumes",
			Value: map[string]any{
				"_types":       map[string]any{"group": "", "user": ""},
				"default_host": "local:volume1",
				"proxies": map[string]any{"local": map[string]any{
					"client_api": "http://127.0.0.1:6021", "manager_api": "https://127.0.0.1:6022", "ssl_verify": "false",
				}},
			},
			SecretValue: map[string]any{"proxies": map[string]any{"local": map[string]any{
				"secret": cfg.RequireSecret("storageProxySecret"),
			}}},
		}); err != nil {
			return err
		}

		var db struct {
			Host     string `json:"host"`
			Port     int    `json:"port"`
			User     string `json:"user"`
			Database string `json:"database"`
		}
		cfg.RequireObject("db", &db)
		conn := data.DBConnection{Host: db.Host, Port: db.Port, User: db.User, Database: db.Database, Password: cfg.RequireSecret("dbPassword")}
		var files []string
		cfg.RequireObject("fixtures", &files)
		var previous pulumi.Resource
		for i, file := range files {
			text, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("fixtures[%d]: %w", i, err)
			}
			var opts []pulumi.ResourceOption
			if previous != nil {
				opts = append(opts, pulumi.DependsOn([]pulumi.Resource{previous}))
			}
			f, err := data.NewFixture(ctx, fmt.Sprintf("fixture-%d", i), data.FixtureArgs{
				Connection: conn, Version: cfg.Require("version"), Data: pulumi.String(string(text)),
			}, opts...)
			if err != nil {
				return err
			}
			previous = f
		}

		var tunnel struct {
			Host    string `json:"host"`
			Port    int    `json:"port"`
			HostKey string `json:"hostKey"`
		}
		cfg.RequireObject("tunnel", &tunnel)
		{
			via := &remote.Connection{Host: tunnel.Host, Port: tunnel.Port, User: "root", HostKey: tunnel.HostKey, PrivateKey: cfg.RequireSecret("sshPrivateKey")}
			if _, err := data.NewKeyTree(ctx, "tunneled", data.KeyTreeArgs{
				Connection: data.EtcdConnection{Endpoints: []string{"127.0.0.1:2379"}, Via: via},
				Namespace:  "local", Prefix: "config",
				Value: map[string]any{"redis": map[string]any{"addr": "127.0.0.1:8111"}},
			}); err != nil {
				return err
			}
		}
		return nil
	})
}
