package configs

import (
	"bytes"
	"fmt"
	"net/url"
	"path"

	"github.com/pelletier/go-toml/v2"
)

// The manager's files: ~/.config/backend.ai/manager.toml in the layout of "Local
// configuration" in Backend.AI's docs/install/install-from-package/install-manager.rst
// (26.8.1), and the alembic.ini that `schema oneshot` and `alembic upgrade head` read the
// database from.

type etcdSection struct {
	Namespace string `toml:"namespace"`
	Addr      any    `toml:"addr,inline"`
	User      string `toml:"user"`
	Password  string `toml:"password"`
}

type logging struct {
	Level   string   `toml:"level"`
	Drivers []string `toml:"drivers"`
}

type debug struct {
	Enabled bool `toml:"enabled"`
}

type managerFile struct {
	Etcd etcdSection `toml:"etcd"`
	DB   struct {
		Type        string `toml:"type"`
		Addr        Addr   `toml:"addr,inline"`
		Name        string `toml:"name"`
		User        string `toml:"user"`
		Password    string `toml:"password"`
		PoolRecycle int    `toml:"pool-recycle"`
		PoolPrePing bool   `toml:"pool-pre-ping"`
	} `toml:"db"`
	Manager struct {
		NumProc                        int      `toml:"num-proc"`
		ServiceAddr                    Addr     `toml:"service-addr,inline"`
		InternalAddr                   Addr     `toml:"internal-addr,inline"`
		AnnounceAddr                   Addr     `toml:"announce-addr,inline"`
		SSLEnabled                     bool     `toml:"ssl-enabled"`
		IPCBasePath                    string   `toml:"ipc-base-path"`
		PIDFile                        string   `toml:"pid-file"`
		RPCAuthManagerKeypair          string   `toml:"rpc-auth-manager-keypair"`
		HideAgents                     bool     `toml:"hide-agents"`
		AgentSelectionResourcePriority []string `toml:"agent-selection-resource-priority"`
	} `toml:"manager"`
	Logging logging `toml:"logging"`
	Debug   debug   `toml:"debug"`
}

// ManagerDir is the manager's directory under the account's home.
func (s Settings) ManagerDir() string { return path.Join(s.Home, "manager") }

// ManagerTOML renders manager.toml (configs/manager/halfstack.toml's keys, pointed at
// this cluster's halfstack).
func ManagerTOML(s Settings) (File, error) {
	if err := s.Check(); err != nil {
		return File{}, err
	}
	p := newPlacer()
	var f managerFile
	f.Etcd = etcdSection{Namespace: s.Namespace, Addr: s.etcdAddr(s.Etcd)}
	f.DB.Type, f.DB.Addr, f.DB.Name, f.DB.User, f.DB.Password = "postgresql", s.DB, s.DBName, s.DBUser, p.put(DBPassword)
	f.DB.PoolRecycle, f.DB.PoolPrePing = 50, false
	m := &f.Manager
	m.NumProc = s.NumProc
	m.ServiceAddr = Addr{Host: "0.0.0.0", Port: s.Manager.Port}
	m.InternalAddr = Addr{Host: "0.0.0.0", Port: s.ManagerInternalPort}
	m.AnnounceAddr = s.Manager
	m.IPCBasePath = s.ipcBasePath(s.ManagerDir(), "/tmp/backend.ai/ipc")
	m.PIDFile = path.Join(s.ManagerDir(), "manager.pid")
	m.RPCAuthManagerKeypair = path.Join(s.ManagerDir(), "fixtures/manager/manager.key_secret")
	m.HideAgents = true
	m.AgentSelectionResourcePriority = []string{"cuda", "rocm", "tpu", "cpu", "mem"}
	f.Logging = logging{Level: "INFO", Drivers: []string{"console"}}
	return render("manager.toml", s.Line, f, p)
}

// AlembicINI renders the manager's alembic.ini. The password placeholder sits in a URL
// inside a configparser file: its replacement is URL-escaped with "%" doubled
// (see SecretValues).
func AlembicINI(s Settings) (File, error) {
	if err := s.Check(); err != nil {
		return File{}, err
	}
	p := newPlacer()
	// The placeholder goes in as it is: url.URL would escape its "@"s.
	dsn := fmt.Sprintf("postgresql+asyncpg://%s:%s@%s/%s", url.User(s.DBUser), p.put(DBPasswordURL), s.DB, s.DBName)
	return p.file(alembicINI(s.Line, "ai.backend.manager.models:alembic", dsn)), nil
}

// alembicINI is an alembic.ini of Backend.AI's (its configs' halfstack.alembic.ini):
// the migrations' package and the database URL, the rest as Backend.AI ships it.
func alembicINI(line, scriptLocation, dsn string) string {
	return fmt.Sprintf(`# Rendered by backendai-infra for Backend.AI %s; read by "schema oneshot" and "alembic upgrade head".
[alembic]
script_location = %s
sqlalchemy.url = %s

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %%(levelname)-5.5s [%%(name)s] %%(message)s
datefmt = %%H:%%M:%%S
`, line, scriptLocation, dsn)
}

// render writes a TOML file with a header naming what rendered it, and the places of
// the placeholders p put in.
func render(name, line string, v any, p placer) (File, error) {
	var b bytes.Buffer
	enc := toml.NewEncoder(&b)
	enc.SetIndentTables(false)
	if err := enc.Encode(v); err != nil {
		return File{}, fmt.Errorf("rendering %s: %w", name, err)
	}
	return p.file("# Rendered by backendai-infra for Backend.AI " + line + "; changes here are replaced on the next `pulumi up`.\n" + b.String()), nil
}
