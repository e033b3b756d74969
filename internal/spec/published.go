package spec

// Published are the credentials Backend.AI publishes: the keypairs and passwords of its
// example fixture files (fixtures/manager/example-keypairs.json and example-users.json
// in lablup/backend.ai, shipped in backend.ai-install; the same from 26.4 to 26.9).
// Whoever reaches a cluster that keeps one logs in with it.
var Published = struct {
	AccessKeys, SecretKeys, Passwords []string
}{
	AccessKeys: []string{"AKIAIOSFODNN7EXAMPLE", "AKIAHUKCHDEZGEXAMPLE", "AKIANABBDUSEREXAMPLE", "AKIANATWOUSEREXAMPLE", "AKIANAMONITOREXAMPLE"},
	SecretKeys: []string{
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "cWbsM_vBB4CzTW7JdORRMx8SjGI3-wEXAMPLEKEY",
		"C8qnIo29EZvXkPK_MXcuAakYTy4NYrxwmCEyNPlf", "P7oxTDdzHbEpUSs5v7r7EWj9yKstp8VpZ7SEyA-g",
		"7tuEwF1J7FfK41vOM4uSSyWCUWjPBolpVwvgkSBu",
		// This project's own fixtures/example-keypairs.yaml (a shortened variant).
		"C8qnIo29EXAMPLEKEYC8qnIo29EXAMPLEKEYxxxx",
	},
	Passwords: []string{"wJalrXUt", "cWbsM_vB", "C8qnIo29", "P7oxTDdz", "7tuEwF1J"},
}
