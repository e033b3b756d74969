package provider

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Backend.AI's default password hashing (src/ai/backend/manager/models/hasher): PBKDF2
// with SHA-256, 600000 rounds, a 32-byte salt, stored as
// pbkdf2_sha256$<rounds>$<salt hex>$<hash hex>.
const (
	hashAlgorithm = "pbkdf2_sha256"
	hashRounds    = 600000
	hashSaltSize  = 32
)

func hashPassword(password string) (string, error) {
	salt := make([]byte, hashSaltSize)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	sum, err := pbkdf2.Key(sha256.New, password, salt, hashRounds, sha256.Size)
	if err != nil {
		return "", err
	}
	return strings.Join([]string{hashAlgorithm, strconv.Itoa(hashRounds), hex.EncodeToString(salt), hex.EncodeToString(sum)}, "$"), nil
}

// passwordMatches tells whether stored is a PBKDF2-SHA256 hash of password. Other
// algorithms (older bcrypt or sha256 hashes) count as not matching: the fixture then
// writes a new hash.
func passwordMatches(password, stored string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 || parts[0] != hashAlgorithm {
		return false
	}
	rounds, err := strconv.Atoi(parts[1])
	if err != nil || rounds <= 0 {
		return false
	}
	salt, err1 := hex.DecodeString(parts[2])
	want, err2 := hex.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, rounds, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}
