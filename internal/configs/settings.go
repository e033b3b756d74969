// Package configs renders the services' configuration files of the management node
// (manager.toml, alembic.ini, storage-proxy.toml, webserver.conf) from one Settings, so
// that the values they share agree by construction: every service reads the same
// etcd, database and Redis addresses, and the storage proxy's manager secret is the one
// the manager finds in etcd under volumes/proxies/<name>/secret.
//
// Secrets are not in the rendered text: it holds placeholders, which the step that
// installs a file replaces on the host from secret inputs. Previews show each file's
// text; the secrets stay secret.
package configs

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// Placeholders of the secrets in the rendered files, and the secret inputs that
// replace them on the host.
const (
	DBPassword         = "@BACKENDAI_DB_PASSWORD@"          // in TOML strings
	DBPasswordURL      = "@BACKENDAI_DB_PASSWORD_URL@"      // in alembic.ini's database URL
	StorageProxySecret = "@BACKENDAI_STORAGE_PROXY_SECRET@" // shared: etcd (for the manager) and the storage proxy
	StorageProxyJWT    = "@BACKENDAI_STORAGE_PROXY_JWT@"    // the storage proxy's own, for client sessions
)

// File is a rendered file: its text, with the secrets' placeholders, and the places
// where the renderer put them. Only those places are filled on the host
// (internal/scripts/config.sh): a placeholder's text inside a value the stack gives (a
// web UI title, say) is left as it is, so no stack value can pull a secret into a file.
type File struct {
	Text  string
	Slots []Slot
}

// Slot is one placeholder the renderer put into a file.
type Slot struct {
	Offset      int    // in bytes, into Text
	Placeholder string // e.g. DBPassword
}

// SlotList is the slots as config.sh reads them: "offset:length:VARIABLE ...", in order,
// where VARIABLE is the placeholder without its "@"s.
func (f File) SlotList() string {
	parts := make([]string, len(f.Slots))
	for i, sl := range f.Slots {
		parts[i] = fmt.Sprintf("%d:%d:%s", sl.Offset, len(sl.Placeholder), strings.Trim(sl.Placeholder, "@"))
	}
	return strings.Join(parts, " ")
}

// Fill is the file's text with each slot replaced by its value (from SecretValues), as
// config.sh writes it on the host.
func (f File) Fill(values map[string]string) string {
	var b strings.Builder
	at := 0
	for _, sl := range f.Slots {
		b.WriteString(f.Text[at:sl.Offset])
		b.WriteString(values[sl.Placeholder])
		at = sl.Offset + len(sl.Placeholder)
	}
	b.WriteString(f.Text[at:])
	return b.String()
}

// placer hands out one-off tokens for the placeholders while a file is rendered: no
// stack value can contain a random token, so each token found in the rendered text is
// a place the renderer chose.
type placer struct{ nonce string }

func newPlacer() placer {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("configs: no randomness: %v", err))
	}
	return placer{nonce: hex.EncodeToString(b)}
}

// put is the token that stands for placeholder while rendering.
func (p placer) put(placeholder string) string {
	return strings.TrimSuffix(placeholder, "@") + "~" + p.nonce + "@"
}

// tokens matches the tokens, quoted by go-toml as literal strings or not.
func (p placer) tokens() *regexp.Regexp {
	token := `(@BACKENDAI_[A-Z0-9_]+)~` + p.nonce + `@`
	return regexp.MustCompile(`'` + token + `'|` + token)
}

// file turns the rendered text into a File: each token becomes its placeholder, and
// its place a slot. A token go-toml wrote as a literal string ('...') becomes a basic
// string ("..."), where the secret put in its place is escaped (tomlEscape).
func (p placer) file(text string) File {
	var f File
	var b strings.Builder
	at := 0
	for _, m := range p.tokens().FindAllStringSubmatchIndex(text, -1) {
		b.WriteString(text[at:m[0]])
		quoted := m[2] >= 0
		var name string
		if quoted {
			b.WriteByte('"')
			name = text[m[2]:m[3]]
		} else {
			name = text[m[4]:m[5]]
		}
		placeholder := name + "@"
		f.Slots = append(f.Slots, Slot{Offset: b.Len(), Placeholder: placeholder})
		b.WriteString(placeholder)
		if quoted {
			b.WriteByte('"')
		}
		at = m[1]
	}
	b.WriteString(text[at:])
	f.Text = b.String()
	return f
}

// SecretValues are the replacements of the placeholders, each escaped for where it
// sits: TOML basic strings, or a URL in a configparser file.
func SecretValues(dbPassword, storageProxySecret, storageProxyJWT string) map[string]string {
	return map[string]string{
		DBPassword:         tomlEscape(dbPassword),
		DBPasswordURL:      strings.ReplaceAll(userinfoEscape(dbPassword), "%", "%%"),
		StorageProxySecret: tomlEscape(storageProxySecret),
		StorageProxyJWT:    tomlEscape(storageProxyJWT),
	}
}

// SlotEnv is values (by placeholder) as the config step's secret environment: each
// under its placeholder's name without the "@"s (BACKENDAI_...), as config.sh reads it.
func SlotEnv(values map[string]string) map[string]string {
	out := make(map[string]string, len(values))
	for placeholder, value := range values {
		out[strings.Trim(placeholder, "@")] = value
	}
	return out
}

// userinfoEscape percent-encodes all but RFC 3986's unreserved characters, as the
// password part of a database URL needs (SQLAlchemy unquotes it).
func userinfoEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// tomlEscape escapes a value for the inside of a TOML basic string.
func tomlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Addr is a host and port, as the TOML files write it: { host = "...", port = ... }.
type Addr struct {
	Host string `toml:"host"`
	Port int    `toml:"port"`
}

func (a Addr) String() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }

// HTTP is the address as an http:// URL: an IPv6 host in brackets, a zone escaped.
func (a Addr) HTTP() string { return (&url.URL{Scheme: "http", Host: a.String()}).String() }

// Settings are the values the management node's files are rendered from.
type Settings struct {
	// Line is the Backend.AI release line, one of spec.SupportedLines.
	Line string
	// Namespace is Backend.AI's etcd namespace.
	Namespace string
	// Etcd, DB and Redis are the halfstack's services as the management node reaches
	// them (its own published ports).
	Etcd, DB, Redis Addr
	// EtcdPublic is etcd as the other nodes (the agents) reach it.
	EtcdPublic Addr
	// DBName and DBUser name Backend.AI's database and its user.
	DBName, DBUser string
	// Home is the operations account's home; each service has its directory there.
	Home string
	// Manager is the manager's API address as the other nodes and the webserver reach it.
	Manager Addr
	// ManagerInternalPort is the manager's internal API port (internal-addr).
	ManagerInternalPort int
	// NumProc is the manager's worker processes (at most the node's CPUs).
	NumProc int
	// StorageProxy is the storage proxy's name in etcd (volumes/proxies/<name>), its
	// node id, its ports, and its volumes by name with their paths.
	StorageProxy StorageProxy
	// Webserver is the webserver's port and the web UI's settings.
	Webserver Webserver
	// TLS, when set, is the certificate chain's and the key's files on the management
	// node: the webserver and the App Proxy's worker serve HTTPS with them.
	TLS *TLSFiles
	// Plane, when set, is a management plane of several nodes: every service is pointed
	// at all of them.
	Plane *Plane
}

// Plane is a management plane of several nodes, as the services reach it.
type Plane struct {
	// Etcd is every etcd member's client address: each service's [etcd] addr lists them
	// (src/ai/backend/common/configs/etcd.py: a HostPortPair or a list).
	Etcd []Addr
	// Sentinels and SentinelService are the Valkey Sentinels and the name they know the
	// master by (src/ai/backend/common/configs/redis.py: "sentinel", "service_name").
	Sentinels       []Addr
	SentinelService string
	// Managers is every manager's API: the webserver's [api] endpoint lists them.
	Managers []Addr
	// StorageProxyManager is where each manager reaches the storage proxies' manager API:
	// the node's HAProxy, in front of every node's storage proxy.
	StorageProxyManager Addr
}

// SentinelList is the Sentinels as etcd's config/redis/sentinel and the webserver's
// [session.redis] sentinel hold them: "host:port,host:port".
func (p Plane) SentinelList() string {
	parts := make([]string, len(p.Sentinels))
	for i, a := range p.Sentinels {
		parts[i] = a.String()
	}
	return strings.Join(parts, ",")
}

// ipcBasePath is the ipc-base-path of a service the account runs: in a management plane,
// ipc under the service's own directory; else def (a single node's files as they were).
// Backend.AI's default, /tmp/backend.ai/ipc, is the agent's too, and the agent runs as
// root: on a node with both, the agent may make it first, and the account's manager,
// webserver and storage proxy then cannot bind their logger's socket there ("zmq.error.
// ZMQError: Permission denied") and never answer.
func (s Settings) ipcBasePath(serviceDir, def string) string {
	if s.Plane != nil {
		return path.Join(serviceDir, "ipc")
	}
	return def
}

// etcdAddr is a service's [etcd] addr: the one address given, or, in a management plane
// of several nodes, every member.
func (s Settings) etcdAddr(one Addr) any {
	if s.Plane != nil {
		return s.Plane.Etcd
	}
	return one
}

// TLSFiles are a certificate chain's and its private key's files.
type TLSFiles struct{ Cert, Key string }

// TLSKey is the placeholder of the TLS private key's file (TLSKeyFile).
const TLSKey = "@BACKENDAI_TLS_KEY@"

// TLSKeyFile is the private key's file: the secret TLSKey, whole.
func TLSKeyFile() File { return SecretFile(TLSKey) }

// SecretFile is a file that is one secret, whole: its placeholder is all its text.
func SecretFile(placeholder string) File {
	return File{Text: placeholder, Slots: []Slot{{Offset: 0, Placeholder: placeholder}}}
}

// URL is the URL users reach a's service at: https when the node serves TLS.
func (s Settings) URL(a Addr) string {
	if s.TLS != nil {
		return (&url.URL{Scheme: "https", Host: a.String()}).String()
	}
	return a.HTTP()
}

// StorageProxy are the storage proxy's settings.
type StorageProxy struct {
	Name        string
	NodeID      string
	ClientPort  int
	ManagerPort int
	Volumes     []Volume
}

// Volume is one storage proxy volume: [volume.<name>] with its backend and path.
type Volume struct {
	Name, Backend, Path string
}

// Webserver are the webserver's settings.
type Webserver struct {
	Port int
	// Domain is the domain users log in to.
	Domain string
	// Title is the text shown as the service's name.
	Title string
	// MaxSessionAge is how long a login lasts, in seconds.
	MaxSessionAge int
	// GatewayPort, when set, is the GraphQL gateway's port on the node's loopback: the
	// webserver sends GraphQL queries to it ([apollo-router]) rather than to the manager.
	GatewayPort int
}

// Check reports a setting that cannot be rendered into a working file.
func (s Settings) Check() error {
	switch {
	case !slices.Contains(spec.SupportedLines, s.Line):
		return fmt.Errorf("line %q: only %s are supported", s.Line, strings.Join(spec.SupportedLines, ", "))
	case s.ManagerInternalPort < 1:
		return fmt.Errorf("managerInternalPort %d: not a port", s.ManagerInternalPort)
	case s.NumProc < 1:
		return fmt.Errorf("numProc %d: at least 1", s.NumProc)
	case len(s.StorageProxy.Volumes) == 0:
		return fmt.Errorf("storageProxy.volumes: at least one volume")
	}
	return nil
}
