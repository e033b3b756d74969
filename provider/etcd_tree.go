package provider

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// leaf is one etcd key of a key tree, the way Backend.AI's `etcd put-json` writes it.
type leaf struct {
	key    string // the raw etcd key, /sorna/<namespace>/...
	path   string // the property path of its value, e.g. value.config.redis.addr
	value  string
	secret bool
}

// flattenTree turns a nested value into keys as put-json does: components joined with
// "/", each URL-quoted, an empty component meaning the value at the prefix itself.
// Only strings are accepted: put-json would store str(v), so a JSON false would
// become "False" (see backendai-facts.md section 4).
func flattenTree(namespace, prefix, property string, tree map[string]any, secret bool) ([]leaf, error) {
	var out []leaf
	var walk func(key, path string, v any) error
	walk = func(key, path string, v any) error {
		switch v := v.(type) {
		case string:
			out = append(out, leaf{key: mangle(namespace, key), path: path, value: v, secret: secret})
			return nil
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				sub := key
				if k != "" {
					sub = key + "/" + pyQuote(k)
				}
				if err := walk(sub, path+pathSegment(k), v[k]); err != nil {
					return err
				}
			}
			return nil
		default:
			return fmt.Errorf("%s: %s; etcd values are strings, so write it as %s", path, describe(v), quoteHint(v))
		}
	}
	if err := walk(prefix, property, tree); err != nil {
		return nil, err
	}
	return out, nil
}

// mangle is Backend.AI's key mangling: every key lives under /sorna/<namespace>/.
func mangle(namespace, key string) string {
	return "/sorna/" + namespace + "/" + strings.TrimPrefix(key, "/")
}

// pyQuote is Python's urllib.parse.quote with its default safe "/": letters, digits,
// "_.-~" and "/" stay, every other byte of the UTF-8 form becomes %XX.
func pyQuote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '_', c == '.', c == '-', c == '~', c == '/':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// pathSegment writes a map key the way Pulumi property paths do.
func pathSegment(k string) string {
	if identifier.MatchString(k) {
		return "." + k
	}
	return "[" + strconv.Quote(k) + "]"
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null is not a string"
	case bool:
		return fmt.Sprintf("%t is a boolean", v)
	case float64, int, int64:
		return fmt.Sprintf("%v is a number", v)
	case []any:
		return "a list is not a string"
	default:
		return fmt.Sprintf("%T is not a string", v)
	}
}

func quoteHint(v any) string {
	switch v := v.(type) {
	case bool, float64, int, int64:
		return strconv.Quote(fmt.Sprint(v))
	case []any:
		return `one comma-separated string ("a,b")`
	default:
		return `a string ("")`
	}
}

// withValues copies tree keeping only the leaves found in etcd, with etcd's values:
// what the tree is now, as far as this resource owns it.
func withValues(namespace, prefix string, tree map[string]any, found map[string]string) map[string]any {
	var walk func(key string, m map[string]any) map[string]any
	walk = func(key string, m map[string]any) map[string]any {
		out := make(map[string]any, len(m))
		for k, v := range m {
			sub := key
			if k != "" {
				sub = key + "/" + pyQuote(k)
			}
			switch v := v.(type) {
			case map[string]any:
				out[k] = walk(sub, v)
			default:
				if got, ok := found[mangle(namespace, sub)]; ok {
					out[k] = got
				}
			}
		}
		return out
	}
	if tree == nil {
		return nil
	}
	return walk(prefix, tree)
}
