package configs

import (
	"fmt"

	"strings"
)

// The files of a management plane of several nodes (docs/ha.md): each node's etcd member,
// Valkey and Sentinel, Patroni, and HAProxy in front of the PostgreSQL primary. Each is
// rendered from the one PlaneNode, so that the members agree by construction.

// PlaneNode is one management node of a plane, and every member of it.
type PlaneNode struct {
	Name, Address string
	// Members are every management node, in the stack's order: the first is where
	// Valkey's master and the first PostgreSQL primary start out.
	Members []PlaneMember
	// EtcdPort, RedisPort and ProxyPort are the halfstack's ports: etcd's clients,
	// Valkey, and HAProxy in front of the primary on the node's loopback.
	EtcdPort, RedisPort, ProxyPort int
	// PeerPort, SentinelPort, PostgresPort and PatroniPort are each node's etcd peers',
	// Sentinel's, PostgreSQL's and Patroni's REST API's.
	PeerPort, SentinelPort, PostgresPort, PatroniPort int
	// StorageProxyPort is each node's storage proxy manager API; StorageFrontPort is
	// HAProxy's in front of them on the node's loopback, which the managers use.
	StorageProxyPort, StorageFrontPort int
	// Service is the Sentinels' name of the Valkey master.
	Service string
}

// PlaneMember is a management node as its peers reach it.
type PlaneMember struct{ Name, Address string }

// quorum is a majority of the members: what a Sentinel needs to agree that the master is
// down, and what etcd needs to write.
func (p PlaneNode) quorum() int { return len(p.Members)/2 + 1 }

// Settings is the plane as the services reach it.
func (p PlaneNode) Settings(managerPort int) *Plane {
	out := &Plane{SentinelService: p.Service, StorageProxyManager: Addr{Host: "127.0.0.1", Port: p.StorageFrontPort}}
	for _, m := range p.Members {
		out.Etcd = append(out.Etcd, Addr{Host: m.Address, Port: p.EtcdPort})
		out.Sentinels = append(out.Sentinels, Addr{Host: m.Address, Port: p.SentinelPort})
		out.Managers = append(out.Managers, Addr{Host: m.Address, Port: managerPort})
	}
	return out
}

// EtcdEnv is /etc/default/etcd, which the distribution's etcd unit reads: this node's
// member of one static cluster of every management node. The initial-cluster settings
// count only at the member's first start (an empty data directory).
func (p PlaneNode) EtcdEnv() string {
	var cluster []string
	for _, m := range p.Members {
		cluster = append(cluster, m.Name+"="+Addr{Host: m.Address, Port: p.PeerPort}.HTTP())
	}
	return header("#") + strings.Join([]string{
		`ETCD_NAME="` + p.Name + `"`,
		`ETCD_DATA_DIR="/var/lib/etcd/backendai"`,
		`ETCD_LISTEN_CLIENT_URLS="` + Addr{Host: "0.0.0.0", Port: p.EtcdPort}.HTTP() + `"`,
		`ETCD_ADVERTISE_CLIENT_URLS="` + Addr{Host: p.Address, Port: p.EtcdPort}.HTTP() + `"`,
		`ETCD_LISTEN_PEER_URLS="` + Addr{Host: "0.0.0.0", Port: p.PeerPort}.HTTP() + `"`,
		`ETCD_INITIAL_ADVERTISE_PEER_URLS="` + Addr{Host: p.Address, Port: p.PeerPort}.HTTP() + `"`,
		`ETCD_INITIAL_CLUSTER="` + strings.Join(cluster, ",") + `"`,
		`ETCD_INITIAL_CLUSTER_STATE="new"`,
		`ETCD_INITIAL_CLUSTER_TOKEN="backendai-etcd"`,
		`ETCD_AUTO_COMPACTION_RETENTION="1"`,
	}, "\n") + "\n"
}

// ValkeyConf is what Valkey's own configuration includes: the node's Valkey on every
// address, announced at the node's address to the Sentinels. Which master it
// replicates is not here: the Sentinels change that at a failover, and Valkey writes it
// to its own file (CONFIG REWRITE).
func (p PlaneNode) ValkeyConf() string {
	return header("#") + fmt.Sprintf(`bind 0.0.0.0
port %d
protected-mode no
dir /var/lib/valkey
appendonly yes
replica-announce-ip %s
replica-announce-port %d
`, p.RedisPort, p.Address, p.RedisPort)
}

// SentinelConf is a Sentinel's first configuration: it watches the master that starts
// out on the first member, and a majority of Sentinels fails it over. The Sentinel
// rewrites the file as it learns the plane; it is written again only when it watches
// no master of the service's name.
func (p PlaneNode) SentinelConf() string {
	first := p.Members[0].Address
	return header("#") + fmt.Sprintf(`port %d
bind 0.0.0.0
protected-mode no
dir /var/lib/valkey
sentinel announce-ip %s
sentinel announce-port %d
sentinel monitor %s %s %d %d
sentinel down-after-milliseconds %s 5000
sentinel failover-timeout %s 30000
sentinel parallel-syncs %s 1
`, p.SentinelPort, p.Address, p.SentinelPort, p.Service, first, p.RedisPort, p.quorum(), p.Service, p.Service, p.Service)
}

// PatroniConf is Patroni's /etc/patroni/config.yml: PostgreSQL on this node, its
// leader elected in the plane's etcd, the superuser's and the replication user's
// password the database's (placeholders, filled on the node).
func (p PlaneNode) PatroniConf() File {
	pl := newPlacer()
	var hosts []string
	for _, m := range p.Members {
		hosts = append(hosts, "  - "+Addr{Host: m.Address, Port: p.EtcdPort}.String())
	}
	text := header("#") + fmt.Sprintf(`scope: backendai
namespace: /patroni/
name: %s
restapi:
  listen: %s
  connect_address: %s
etcd3:
  hosts:
%s
bootstrap:
  dcs:
    ttl: 30
    loop_wait: 10
    retry_timeout: 10
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      parameters:
        max_connections: 256
        wal_level: replica
        hot_standby: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_log_hints: "on"
  initdb:
  - encoding: UTF8
  - data-checksums
postgresql:
  listen: %s
  connect_address: %s
  data_dir: /var/lib/postgresql/backendai
  bin_dir: /usr/local/lib/backendai-postgresql/bin
  pgpass: /var/lib/postgresql/.pgpass.patroni
  authentication:
    superuser:
      username: postgres
      password: "%s"
    replication:
      username: replicator
      password: "%s"
  parameters:
    unix_socket_directories: /var/run/postgresql
  pg_hba:
  - local all all peer
  - host replication replicator 0.0.0.0/0 scram-sha-256
  - host all all 0.0.0.0/0 scram-sha-256
  - host all all ::/0 scram-sha-256
`, p.Name, Addr{Host: "0.0.0.0", Port: p.PatroniPort}, Addr{Host: p.Address, Port: p.PatroniPort}, strings.Join(hosts, "\n"),
		Addr{Host: "0.0.0.0", Port: p.PostgresPort}, Addr{Host: p.Address, Port: p.PostgresPort}, pl.put(DBPassword), pl.put(DBPassword))
	return pl.file(text)
}

// HAProxyConf is HAProxy's configuration: on the node's loopback, the database's port
// goes to whichever member's Patroni answers /primary; a connection to a member that
// stops being the primary is cut, so that clients reconnect to the new one. The storage
// proxies' manager API goes to the first member's that answers.
func (p PlaneNode) HAProxyConf() string {
	var servers, proxies []string
	for _, m := range p.Members {
		servers = append(servers, fmt.Sprintf("    server %s %s maxconn 500 check port %d", m.Name, Addr{Host: m.Address, Port: p.PostgresPort}, p.PatroniPort))
		proxies = append(proxies, fmt.Sprintf("    server %s %s check", m.Name, Addr{Host: m.Address, Port: p.StorageProxyPort}))
	}
	return header("#") + fmt.Sprintf(`global
    maxconn 1000

defaults
    mode tcp
    timeout connect 4s
    timeout client 30m
    timeout server 30m
    timeout check 3s

listen postgres
    bind %s
    option httpchk GET /primary
    http-check expect status 200
    default-server inter 2s fall 2 rise 2 on-marked-down shutdown-sessions
%s

# The storage proxies' manager API: the first that answers, in the nodes' order, takes
# every manager's requests (one proxy at a time: a background task it runs is asked
# after where it started).
listen storage-proxy-manager
    bind %s
    balance first
    default-server inter 2s fall 2 rise 2 on-marked-down shutdown-sessions
%s
`, Addr{Host: "127.0.0.1", Port: p.ProxyPort}, strings.Join(servers, "\n"), Addr{Host: "127.0.0.1", Port: p.StorageFrontPort}, strings.Join(proxies, "\n"))
}

// header is the line that says who wrote a file, in its comment syntax.
func header(comment string) string {
	return comment + " Rendered by backendai-infra; changes here are replaced on the next `pulumi up`.\n"
}
