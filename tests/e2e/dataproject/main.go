// Command dataproject is the data resources' end-to-end test program: key trees and
// fixtures, through the package's generated Go SDK (sdk/go/backendai), as another
// stack's program would use them.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/backendai-infra/backendai-infra/sdk/go/backendai"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/db"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/etcd"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		conn := backendai.EtcdConnectionArgs{Endpoints: pulumi.ToStringArray([]string{cfg.Require("etcdEndpoint")})}

		var tree map[string]any
		cfg.RequireObject("config", &tree)
		if _, err := etcd.NewKeyTree(ctx, "config", &etcd.KeyTreeArgs{
			Connection: conn, Namespace: pulumi.String("local"), Prefix: pulumi.String("config"), Value: pulumi.ToMap(tree),
		}); err != nil {
			return err
		}
		if _, err := etcd.NewKeyTree(ctx, "volumes", &etcd.KeyTreeArgs{
			Connection: conn, Namespace: pulumi.String("local"), Prefix: pulumi.String("volumes"),
			Value: pulumi.Map{
				"_types":       pulumi.Map{"group": pulumi.String(""), "user": pulumi.String("")},
				"default_host": pulumi.String("local:volume1"),
				"proxies": pulumi.Map{"local": pulumi.Map{
					"client_api": pulumi.String("http://127.0.0.1:6021"), "manager_api": pulumi.String("https://127.0.0.1:6022"),
					"ssl_verify": pulumi.String("false"),
				}},
			},
			SecretValue: pulumi.ToSecret(pulumi.Map{"proxies": pulumi.Map{"local": pulumi.Map{
				"secret": cfg.RequireSecret("storageProxySecret"),
			}}}).(pulumi.MapOutput),
		}); err != nil {
			return err
		}

		var database struct {
			Host     string `json:"host"`
			Port     int    `json:"port"`
			User     string `json:"user"`
			Database string `json:"database"`
		}
		cfg.RequireObject("db", &database)
		dbConn := backendai.DBConnectionArgs{Host: pulumi.String(database.Host), Port: pulumi.IntPtr(database.Port), User: pulumi.String(database.User),
			Database: pulumi.String(database.Database), Password: cfg.RequireSecret("dbPassword")}
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
			f, err := db.NewFixture(ctx, fmt.Sprintf("fixture-%d", i), &db.FixtureArgs{
				Connection: dbConn, BackendaiVersion: pulumi.String(cfg.Require("version")), Data: pulumi.ToSecret(pulumi.String(string(text))).(pulumi.StringOutput),
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
			via := backendai.ConnectionArgs{Host: pulumi.String(tunnel.Host), Port: pulumi.IntPtr(tunnel.Port), User: pulumi.StringPtr("root"),
				HostKey: pulumi.StringPtr(tunnel.HostKey), PrivateKey: cfg.RequireSecret("sshPrivateKey")}
			if _, err := etcd.NewKeyTree(ctx, "tunneled", &etcd.KeyTreeArgs{
				Connection: backendai.EtcdConnectionArgs{Endpoints: pulumi.ToStringArray([]string{"127.0.0.1:2379"}), Via: via.ToConnectionPtrOutput()},
				Namespace:  pulumi.String("local"), Prefix: pulumi.String("config"),
				Value: pulumi.Map{"redis": pulumi.Map{"addr": pulumi.String("127.0.0.1:8111")}},
			}); err != nil {
				return err
			}
		}
		return nil
	})
}
