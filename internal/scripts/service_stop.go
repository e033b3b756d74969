package scripts

import _ "embed"

//go:embed service_stop.sh
var serviceStopSh string

// ServiceStop is service_stop.sh, after the prelude.
var ServiceStop = prelude + serviceStopSh
