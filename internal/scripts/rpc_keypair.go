package scripts

import _ "embed"

//go:embed rpc_keypair.sh
var rpcKeypairSh string

// RPCKeypair is rpc_keypair.sh, after the prelude.
var RPCKeypair = prelude + rpcKeypairSh

// RPCKeypairInput is rpc_keypair.sh's.
type RPCKeypairInput struct{ ManagerCommand }

func (RPCKeypairInput) Script() string { return RPCKeypair }
