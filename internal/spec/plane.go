package spec

import (
	"fmt"
	"net/netip"

	"golang.org/x/mod/semver"
)

// A management plane of several nodes (three or more, odd): each management node runs
// an etcd member of one cluster, Valkey with a Sentinel, and PostgreSQL under Patroni with
// HAProxy in front of the primary, from the distribution's packages rather than the
// halfstack's containers: Patroni and Sentinel are not in the halfstack's images, and
// Backend.AI's own removed pyinfra deploy installed them so
// (src/ai/backend/install/pyinfra/deploy/halfstack/ at 26.4.3). docs/ha.md has the facts.

// The plane's ports besides the halfstack's (whose etcd, Redis and PostgreSQL ports keep
// their meaning: etcd's clients, Valkey, and HAProxy in front of the primary on loopback).
const (
	// PlaneEtcdPeerPort is etcd's peer port (etcd's default).
	PlaneEtcdPeerPort = 2380
	// PlaneSentinelPort is each node's Sentinel (Valkey's default).
	PlaneSentinelPort = 26379
	// PlanePostgresPort is each node's PostgreSQL, which HAProxy and the replicas reach.
	PlanePostgresPort = 5432
	// PlanePatroniPort is Patroni's REST API, which HAProxy checks for the primary.
	PlanePatroniPort = 8008
	// PlaneRedisService is the Sentinels' name of the Valkey master.
	PlaneRedisService = "backendai"
	// PlaneStorageProxyPort is HAProxy on each management node's loopback in front of
	// every node's storage proxy manager API: the managers reach the storage proxies
	// there (etcd volumes/proxies/<name>/manager_api), so that vfolders work while a
	// node is gone.
	PlaneStorageProxyPort = 16022
)

// PlaneTCPRetriesKey is set to PlaneTCPRetries on every node of a cluster whose plane has
// several nodes: a connection to a node that is gone then fails after about 25 s of
// unanswered retransmissions instead of the default 15's 15 minutes. Backend.AI's
// Sentinel client (src/ai/backend/common/clients/valkey_client/client.py, redis-py's
// Sentinel without a socket timeout) asks the Sentinels in turn over kept connections:
// one to a node that vanished would hold every service's failover that long (seen in
// TestPlane: the managers' Valkey clients waited on the lost node's Sentinel).
const (
	PlaneTCPRetriesKey = "net.ipv4.tcp_retries2"
	PlaneTCPRetries    = "6"
)

// validatePlane reports what a management plane of several nodes cannot have yet.
func (c Cluster) validatePlane(bad func(field, format string, args ...any)) {
	if c.plane == ManagementPlane {
		bad("nodes", "a management plane deployed on its own has one management node; several are deployed as a whole Cluster")
	}
	// The webserver logs users in through every manager from 26.4.8 and 26.8.0
	// (lablup/backend.ai#12538); before, only through the first.
	if v := "v" + c.Version; semver.Compare(v, "v26.4.8") < 0 || (c.Line() == "26.8" && semver.Compare(v, "v26.8.0") < 0) {
		bad("version", "%s: several management nodes need 26.4.8 or later (the webserver's logins through every manager, lablup/backend.ai#12538)", c.Version)
	}
	for i, n := range c.Nodes {
		if a, err := netip.ParseAddr(n.Address); err == nil && n.HasRole(RoleManager) && a.Is6() {
			bad(fmt.Sprintf("nodes[%d].address", i), "%s: a management plane of several nodes is deployed over IPv4 for now", n.Address)
		}
	}
	if c.Services.AppProxy.On() {
		bad("services.appProxy.enabled", "the App Proxy is deployed with a single management node only; set it to false with several management nodes")
	}
}
