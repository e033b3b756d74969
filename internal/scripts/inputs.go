package scripts

import (
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"
)

// Input is a step's input: a struct whose fields' `env` tags name the variables its
// script reads, beside the script itself (Script). `env:"NAME,omitempty"` leaves an
// empty value out; `env:"*"` on a map[string]string field adds its variables as they are.
type Input interface {
	Script() string
}

// Env is the input's variables, as the step exports them to its script.
func Env(in Input) map[string]string {
	env := map[string]string{}
	addFields(env, reflect.ValueOf(in))
	return env
}

func addFields(env map[string]string, v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			addFields(env, fv) // a shared part of several scripts' inputs
			continue
		}
		tag, ok := f.Tag.Lookup("env")
		if !ok {
			panic(fmt.Sprintf("scripts: %s.%s has no env tag", t.Name(), f.Name))
		}
		name, opt, _ := strings.Cut(tag, ",")
		if name == "*" {
			maps.Copy(env, fv.Interface().(map[string]string))
			continue
		}
		var s string
		switch fv.Kind() {
		case reflect.String:
			s = fv.String()
		case reflect.Int:
			if fv.Int() != 0 || opt != "omitempty" {
				s = strconv.FormatInt(fv.Int(), 10)
			}
		default:
			panic(fmt.Sprintf("scripts: %s.%s is a %s, not a string or int", t.Name(), f.Name, fv.Kind()))
		}
		if s == "" && opt == "omitempty" {
			continue
		}
		env[name] = s
	}
}

// ManagerCommand is what the steps that run the manager's backend.ai command share: its
// directory, the account it runs as, the release.
type ManagerCommand struct {
	Dir     string `env:"MANAGER_DIR"`
	User    string `env:"BAI_USER"`
	Version string `env:"VERSION"`
}
