package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/property"

	"github.com/backendai-infra/backendai-infra/internal/fixtures"
)

// Fixture is a set of rows in Backend.AI's database (backendai:db:Fixture), given as
// one of Backend.AI's fixture files. Unlike `backend.ai mgr fixture populate`, which inserts and skips
// rows that exist, it converges: rows are found by their key, inserted when missing and
// updated where they differ; the whole file is one transaction.
type Fixture struct{}

// FixtureArgs are a fixture's inputs.
type FixtureArgs struct {
	Connection DBConnection `pulumi:"connection"`
	// BackendAIVersion is the Backend.AI release whose row shapes apply ("26.4.10", "26.8.1",
	// "26.8"). Not "version": pulumi-go-provider drops inputs of that name from diffs.
	BackendAIVersion string `pulumi:"backendaiVersion"`
	// Data is the fixture file's text: Backend.AI's JSON as it is, or the same in YAML.
	// Pass it as a secret when it holds passwords or secret keys.
	Data string `pulumi:"data"`
	// Source names the file Data comes from, in messages ("fixtures[0] (users.json)").
	Source string `pulumi:"source,optional"`
	// KeepOnDelete leaves the rows in the database when the Fixture is destroyed.
	KeepOnDelete *bool `pulumi:"keepOnDelete,optional"`
	// Rows is filled in by the provider, never by the program: the rows Data asks for,
	// by row (table/key=value), secret columns masked. In state it holds the rows as
	// the database holds them, so a preview shows each row that changes, old and new.
	Rows map[string]string `pulumi:"rows,optional"`
}

// FixtureState is what a Fixture records.
type FixtureState struct {
	FixtureArgs
	// Created are the rows this Fixture inserted: the only ones it ever deletes
	// (none for an update file).
	Created []string `pulumi:"created,optional"`
}

func (f *Fixture) Annotate(a infer.Annotator) {
	a.SetToken("db", "Fixture")
	a.Describe(&f, "A set of rows in Backend.AI's database, given as a Backend.AI fixture file: the JSON that "+
		"`backend.ai mgr fixture populate` loads (such as Backend.AI's fixtures/manager/example-keypairs.json), or the "+
		"same in YAML. Unlike that command, which inserts the rows and skips those that exist, a Fixture converges: each "+
		"row is found by its key, inserted when missing and updated where it differs, the whole file in one transaction. "+
		"Destroyed, it deletes the rows it inserted, unless keepOnDelete.")
}

func (a FixtureArgs) parse() (fixtures.File, string, error) {
	var errs []error
	errs = append(errs, a.Connection.validate()...)
	line, err := fixtures.LineOf(a.BackendAIVersion)
	if err != nil {
		errs = append(errs, err)
		return fixtures.File{}, "", errors.Join(errs...)
	}
	fx, err := fixtures.Parse(a.Source, a.Data, line)
	if err != nil {
		errs = append(errs, err)
	}
	return fx, line, errors.Join(errs...)
}

func (f *Fixture) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[FixtureArgs], error) {
	args, failures, err := infer.DefaultCheck[FixtureArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 || property.New(req.NewInputs).HasComputed() {
		return infer.CheckResponse[FixtureArgs]{Inputs: args, Failures: failures}, err
	}
	fx, _, err := args.parse()
	if err == nil {
		args.Rows = desired(fx)
		for _, skipped := range fx.Skipped {
			p.GetLogger(ctx).Warningf("%s: %s; it is left out, as Backend.AI's loader leaves it", args.Source, skipped)
		}
	}
	return infer.CheckResponse[FixtureArgs]{Inputs: args, Failures: checkFailures(err)}, nil
}

// desired is the rows the inputs ask for, masked as state shows them.
func desired(fx fixtures.File) map[string]string {
	out := map[string]string{}
	for _, t := range fx.Tables {
		for _, r := range t.Rows {
			out[r.ID] = r.Masked(t.Shape, nil)
		}
	}
	return out
}

// unknownData is a preview's data that other resources make at apply (a generated
// password): it reaches the provider empty, which no fixture file is.
func unknownData(a FixtureArgs) bool { return a.Data == "" }

func (f *Fixture) Diff(ctx context.Context, req infer.DiffRequest[FixtureArgs, FixtureState]) (infer.DiffResponse, error) {
	if unknownData(req.Inputs) {
		return infer.DiffResponse{HasChanges: true, DetailedDiff: map[string]p.PropertyDiff{"data": {Kind: p.Update}}}, nil
	}
	newFx, _, err := req.Inputs.parse()
	if err != nil {
		return infer.DiffResponse{}, err
	}
	oldFx, _, _ := req.State.parse()
	diff := map[string]p.PropertyDiff{}
	if req.State.Connection.where() != req.Inputs.Connection.where() {
		diff["connection"] = p.PropertyDiff{Kind: p.Update}
	}
	if req.State.BackendAIVersion != req.Inputs.BackendAIVersion {
		diff["backendaiVersion"] = p.PropertyDiff{Kind: p.Update}
	}
	oldSecrets, newSecrets := secretsOf(oldFx), secretsOf(newFx)
	want := desired(newFx)
	for id, masked := range want {
		have, ok := req.State.Rows[id]
		switch {
		case !ok:
			diff[rowPath(id)] = p.PropertyDiff{Kind: p.Add}
		case have != masked || !reflect.DeepEqual(oldSecrets[id], newSecrets[id]):
			diff[rowPath(id)] = p.PropertyDiff{Kind: p.Update}
		}
	}
	for id := range req.State.Rows {
		if _, ok := want[id]; !ok {
			diff[rowPath(id)] = p.PropertyDiff{Kind: p.Delete}
		}
	}
	return infer.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
}

func rowPath(id string) string { return "rows[" + fmt.Sprintf("%q", id) + "]" }

// secretsOf collects each row's secret values, to notice a changed password.
func secretsOf(fx fixtures.File) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, t := range fx.Tables {
		for _, r := range t.Rows {
			for k, v := range r.Values {
				if c, _ := t.Column(k); c.Kind == fixtures.Password || c.Kind == fixtures.Secret {
					if out[r.ID] == nil {
						out[r.ID] = map[string]any{}
					}
					out[r.ID][k] = v
				}
			}
		}
	}
	return out
}

func (f *Fixture) Create(ctx context.Context, req infer.CreateRequest[FixtureArgs]) (infer.CreateResponse[FixtureState], error) {
	id := req.Inputs.Connection.Database + ":" + req.Name
	if req.DryRun && unknownData(req.Inputs) {
		return infer.CreateResponse[FixtureState]{ID: id, Output: FixtureState{FixtureArgs: req.Inputs, Created: []string{}}}, nil
	}
	fx, _, err := req.Inputs.parse()
	if err != nil {
		return infer.CreateResponse[FixtureState]{}, err
	}
	state := FixtureState{FixtureArgs: req.Inputs, Created: []string{}}
	state.Rows = desired(fx)
	if req.DryRun {
		return infer.CreateResponse[FixtureState]{ID: id, Output: state}, nil
	}
	created, err := req.Inputs.Connection.converge(ctx, &req.Inputs, nil, nil)
	state.Created = append(state.Created, created...)
	return infer.CreateResponse[FixtureState]{ID: id, Output: state}, err
}

func (f *Fixture) Update(ctx context.Context, req infer.UpdateRequest[FixtureArgs, FixtureState]) (infer.UpdateResponse[FixtureState], error) {
	if req.DryRun && unknownData(req.Inputs) {
		return infer.UpdateResponse[FixtureState]{Output: FixtureState{FixtureArgs: req.Inputs, Created: req.State.Created}}, nil
	}
	fx, _, err := req.Inputs.parse()
	if err != nil {
		return infer.UpdateResponse[FixtureState]{}, err
	}
	state := FixtureState{FixtureArgs: req.Inputs, Created: req.State.Created}
	state.Rows = desired(fx)
	if req.DryRun {
		return infer.UpdateResponse[FixtureState]{Output: state}, nil
	}
	created, err := req.Inputs.Connection.converge(ctx, &req.Inputs, &req.State.FixtureArgs, req.State.Created)
	if err != nil {
		return infer.UpdateResponse[FixtureState]{Output: req.State}, err
	}
	state.Created = append([]string{}, created...)
	return infer.UpdateResponse[FixtureState]{Output: state}, nil
}

func (f *Fixture) Read(ctx context.Context, req infer.ReadRequest[FixtureArgs, FixtureState]) (infer.ReadResponse[FixtureArgs, FixtureState], error) {
	conn, done, err := req.State.Connection.connect(ctx)
	if err != nil {
		return infer.ReadResponse[FixtureArgs, FixtureState]{}, err
	}
	defer done()
	fx, known, err := live(ctx, conn, req.State.FixtureArgs)
	if err != nil {
		return infer.ReadResponse[FixtureArgs, FixtureState]{}, err
	}
	state := req.State
	state.Rows = map[string]string{}
	for _, t := range fx.Tables {
		for _, r := range t.Rows {
			current, err := selectRow(ctx, conn, t.Shape, r)
			if err != nil {
				return infer.ReadResponse[FixtureArgs, FixtureState]{}, err
			}
			if current == nil {
				continue // removed by hand: the next update puts it back
			}
			known.restore(&current.Row)
			state.Rows[r.ID] = current.Masked(t.Shape, current.secretsMatch)
		}
	}
	state.Created = slices.DeleteFunc(slices.Clone(state.Created), func(id string) bool { _, ok := state.Rows[id]; return !ok })
	return infer.ReadResponse[FixtureArgs, FixtureState]{ID: req.ID, Inputs: req.Inputs, State: state}, nil
}

func (f *Fixture) Delete(ctx context.Context, req infer.DeleteRequest[FixtureState]) (infer.DeleteResponse, error) {
	if req.State.KeepOnDelete != nil && *req.State.KeepOnDelete {
		return infer.DeleteResponse{}, nil
	}
	_, err := req.State.Connection.converge(ctx, nil, &req.State.FixtureArgs, req.State.Created)
	return infer.DeleteResponse{}, err
}

// querier runs a query on a connection or in a transaction.
type querier interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}

// live is a fixture read against the database's own catalog (a table or column the
// database lacks is an error naming it), with the rows it names by alias resolved and
// the ids the database gave rows the file names otherwise (ids) put in.
func live(ctx context.Context, q querier, a FixtureArgs) (fixtures.File, ids, error) {
	line, err := fixtures.LineOf(a.BackendAIVersion)
	if err != nil {
		return fixtures.File{}, ids{}, err
	}
	kept, err := fixtures.LineCatalog(line)
	if err != nil {
		return fixtures.File{}, ids{}, err
	}
	var text string
	if err := q.QueryRow(ctx, fixtures.CatalogSQL).Scan(&text); err != nil {
		return fixtures.File{}, ids{}, fmt.Errorf("postgresql %s: reading the catalog: %w", a.Connection.where(), explainSQL(err))
	}
	var cat fixtures.Catalog
	if err := json.Unmarshal([]byte(text), &cat); err != nil {
		return fixtures.File{}, ids{}, fmt.Errorf("postgresql %s: the catalog: %w", a.Connection.where(), err)
	}
	if len(cat.Tables) == 0 {
		return fixtures.File{}, ids{}, fmt.Errorf("postgresql %s: the database has no tables: Backend.AI's schema is not there", a.Connection.where())
	}
	// What the loader does per column is the release's; the tables are the database's.
	cat.Loader = kept.Loader
	fx, err := fixtures.ParseWith(a.Source, a.Data, "the database "+a.Connection.Database, cat.Shapes())
	if err != nil {
		return fixtures.File{}, ids{}, err
	}
	known := ids{}
	for i := range fx.Tables {
		t := &fx.Tables[i]
		for j := range t.Rows {
			if err := resolve(ctx, q, t.Shape, &t.Rows[j]); err != nil {
				return fixtures.File{}, ids{}, err
			}
			known.put(&t.Rows[j])
			if err := known.learn(ctx, q, t.Shape, &t.Rows[j]); err != nil {
				return fixtures.File{}, ids{}, err
			}
		}
	}
	return fx, known, nil
}

// ids maps the UUIDs a file gives rows to those the database holds them under. A row
// the database has under its key (a domain by its name) may have another id than the
// file gives it: a database migrated from an older release gave its rows their own
// ids, where a newer release's file names them with fixed ones. Rows refer to the row
// by that id (sessions to the domain), so it is never changed; instead the file's id
// means the database's, in that row and in every row after it.
type ids struct {
	db   map[string]string            // the file's id -> the database's
	file map[string]map[string]string // row ID -> column -> the file's id it held
}

// put gives a row the database's ids for the file's.
func (k *ids) put(r *fixtures.Row) {
	for col, v := range r.Values {
		if s, ok := v.(string); ok && k.db[s] != "" {
			k.swap(r, col, s, k.db[s])
		}
	}
}

// swap gives r's column the database's id for the file's, and remembers both.
func (k *ids) swap(r *fixtures.Row, col, fileID, dbID string) {
	if k.file == nil {
		k.db, k.file = map[string]string{}, map[string]map[string]string{}
	}
	if k.file[r.ID] == nil {
		k.file[r.ID] = map[string]string{}
	}
	k.db[fileID], k.file[r.ID][col] = dbID, fileID
	r.Values[col] = dbID
	if _, ok := r.Where[col]; ok {
		r.Where[col] = dbID
	}
}

// learn reads the ids of the row the database has for r: its UUID columns that
// identify it alone (the primary key, a unique key) and that r sets otherwise.
func (k *ids) learn(ctx context.Context, q querier, t fixtures.Shape, r *fixtures.Row) error {
	var cols []string
	for _, key := range append([]fixtures.Key{{Columns: t.PrimaryKey}}, t.Unique...) {
		if len(key.Columns) != 1 || key.Where != "" {
			continue
		}
		if c, _ := t.Column(key.Columns[0]); c.Kind == fixtures.UUID && r.Values[c.Name] != nil {
			cols = append(cols, c.Name)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	db, _, err := findRow(ctx, q, t, *r)
	if err != nil || db == nil {
		return err
	}
	for _, col := range cols {
		have, _ := db[col].(string)
		want, _ := r.Values[col].(string)
		if have == "" || strings.EqualFold(have, want) {
			continue
		}
		k.swap(r, col, want, have)
	}
	return nil
}

// restore shows a row read back with the file's ids, as the inputs name them.
func (k ids) restore(r *fixtures.Row) {
	for col, fileID := range k.file[r.ID] {
		if r.Values[col] == k.db[fileID] {
			r.Values[col] = fileID
		}
	}
}

// resolve looks up what the row names by alias, as Backend.AI's loader does.
func resolve(ctx context.Context, q querier, t fixtures.Shape, r *fixtures.Row) error {
	for _, alias := range slices.Sorted(maps.Keys(r.Aliases)) {
		ref, _ := t.Reference(alias)
		col, ok := t.Column(ref.Column)
		if !ok {
			return fmt.Errorf("%s.%s: the database's %s has no column %s", r.Path, alias, t.Name, ref.Column)
		}
		query := fmt.Sprintf("SELECT to_jsonb(l.%s)::text FROM %s l WHERE l.%s::text = $1",
			quoteIdent(ref.Referenced), quoteIdent(ref.LookupTable), quoteIdent(ref.Match))
		var text string
		switch err := q.QueryRow(ctx, query, r.Aliases[alias]).Scan(&text); {
		case errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("%s.%s: no %s has %s %q", r.Path, alias, ref.LookupTable, ref.Match, r.Aliases[alias])
		case err != nil:
			return fmt.Errorf("%s.%s: %w", r.Path, alias, explainSQL(err))
		}
		var raw any
		if err := json.Unmarshal([]byte(text), &raw); err != nil {
			return err
		}
		v, err := fixtures.Normalize(col, raw)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", r.Path, alias, err)
		}
		r.Values[ref.Column] = v
		if slices.Contains(r.Key, ref.Column) {
			r.Where[ref.Column] = v
		}
	}
	return nil
}

// current is a row as the database holds it, in the fixture file row's columns.
type current struct {
	fixtures.Row
	secretsMatch map[string]bool
}

// findRow reads the row with r's key, as JSON of its columns, and the key it was
// found by; nil when there is none.
func findRow(ctx context.Context, tx querier, t fixtures.Shape, r fixtures.Row) (map[string]any, []string, error) {
	// The row is found by its key, or else by another unique key it sets: then it is
	// a row the database already has under another key (Backend.AI's loader skips a
	// row that conflicts so; so does this), and its own key is not compared.
	keys := [][]string{r.Key}
	for _, u := range t.Unique {
		if u.Where == "" && !slices.Equal(u.Columns, r.Key) && !slices.ContainsFunc(u.Columns, func(c string) bool { return r.Values[c] == nil }) {
			keys = append(keys, u.Columns)
		}
	}
	for _, key := range keys {
		where := r.Where
		if !slices.Equal(key, r.Key) {
			where = map[string]any{}
			for _, c := range key {
				where[c] = r.Values[c]
			}
		}
		keyJSON, err := rowJSON(t, where, false)
		if err != nil {
			return nil, nil, err
		}
		var text string
		q := fmt.Sprintf("SELECT to_jsonb(t)::text FROM %s t WHERE %s", quoteIdent(t.Name), keyMatch(t, key, "$1"))
		switch err := tx.QueryRow(ctx, q, keyJSON).Scan(&text); {
		case errors.Is(err, pgx.ErrNoRows):
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("%s: reading %s: %w", r.Path, r.ID, err)
		}
		var db map[string]any
		if err := json.Unmarshal([]byte(text), &db); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", r.Path, err)
		}
		return db, key, nil
	}
	return nil, nil, nil
}

// selectRow reads the row with r's key; nil when there is none.
func selectRow(ctx context.Context, tx querier, t fixtures.Shape, r fixtures.Row) (*current, error) {
	db, foundBy, err := findRow(ctx, tx, t, r)
	if err != nil || db == nil {
		return nil, err
	}
	cur := &current{Row: fixtures.Row{ID: r.ID, Key: foundBy, Path: r.Path, Where: map[string]any{}, Aliases: r.Aliases, Values: map[string]any{}}, secretsMatch: map[string]bool{}}
	for _, k := range foundBy {
		cur.Where[k] = r.Values[k]
	}
	for k, want := range r.Values {
		c, _ := t.Column(k)
		if !slices.Equal(foundBy, r.Key) && slices.Contains(r.Key, k) {
			cur.Values[k] = want // known by another key: its own is not the database's
			continue
		}
		if c.Kind == fixtures.Password {
			stored, _ := db[k].(string)
			cur.secretsMatch[k] = want != nil && passwordMatches(want.(string), stored) || want == nil && db[k] == nil
			cur.Values[k] = want
			if !cur.secretsMatch[k] {
				cur.Values[k] = stored
			}
			continue
		}
		v, err := fixtures.Normalize(c, db[k])
		if err != nil {
			return nil, fmt.Errorf("%s.%s: the database holds %v: %w", r.Path, k, db[k], err)
		}
		cur.Values[k] = v
		if c.Kind == fixtures.Secret {
			cur.secretsMatch[k] = reflect.DeepEqual(v, want)
		}
	}
	return cur, nil
}

// keyMatch finds the row whose key columns equal those of the JSON row in param;
// IS NOT DISTINCT FROM, so that a NULL key (a global preset) matches too.
func keyMatch(t fixtures.Shape, key []string, param string) string {
	conds := make([]string, len(key))
	for i, k := range key {
		conds[i] = fmt.Sprintf("t.%s IS NOT DISTINCT FROM k.%s", quoteIdent(k), quoteIdent(k))
	}
	return fmt.Sprintf("EXISTS (SELECT 1 FROM jsonb_populate_record(NULL::%s, %s::jsonb) k WHERE %s)",
		quoteIdent(t.Name), param, strings.Join(conds, " AND "))
}

// rowJSON is the JSON object of a row's values for jsonb_populate_record, which turns
// each into its column's type on the server: enums, UUIDs, arrays, jsonb. Passwords
// are hashed here when hash is set.
func rowJSON(t fixtures.Shape, values map[string]any, hash bool) (string, error) {
	out := make(map[string]any, len(values))
	for k, v := range values {
		c, _ := t.Column(k)
		switch {
		case v == nil:
			out[k] = nil
		case c.Kind == fixtures.JSON || c.Kind == fixtures.Array || c.Kind == fixtures.Other:
			out[k] = json.RawMessage(v.(string))
		case c.Kind == fixtures.Password && hash:
			h, err := hashPassword(v.(string))
			if err != nil {
				return "", err
			}
			out[k] = h
		default:
			out[k] = v
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// converge applies a fixture in one transaction, read against the database's own
// catalog: the rows of old (the fixture before) that the new one no longer names, and
// that this fixture created, are deleted (last table first); then every row of the new
// one (none on delete) is inserted when missing or updated in the columns that differ.
// It returns the rows this fixture has created, given those it had created before.
func (c DBConnection) converge(ctx context.Context, args, old *FixtureArgs, created []string) ([]string, error) {
	conn, done, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgresql %s: %w", c.where(), err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()

	var fx fixtures.File
	if args != nil {
		if fx, _, err = live(ctx, tx, *args); err != nil {
			return nil, err
		}
	}
	var gone []fixtures.Table
	if old != nil {
		oldFx, _, err := live(ctx, tx, *old)
		switch {
		case err != nil && args != nil && old.BackendAIVersion != args.BackendAIVersion:
			// The old file was written for a release whose tables the schema has since
			// migrated (an upgrade): its rows stay as the migration left them, and none of
			// them is deleted.
			p.GetLogger(ctx).Warningf("%s: the previous file does not fit the tables of %s (%v); its rows are kept as they are",
				args.Source, args.BackendAIVersion, err)
		case err != nil:
			return nil, err
		}
		keep := desired(fx)
		for _, t := range oldFx.Tables {
			ft := fixtures.Table{Shape: t.Shape}
			for _, r := range t.Rows {
				if _, ok := keep[r.ID]; !ok {
					ft.Rows = append(ft.Rows, r)
				}
			}
			gone = append(gone, ft)
		}
	}

	mine := map[string]bool{}
	for _, id := range created {
		mine[id] = true
	}
	for _, t := range slices.Backward(gone) {
		for _, r := range slices.Backward(t.Rows) {
			if !mine[r.ID] {
				continue
			}
			keyJSON, err := rowJSON(t.Shape, r.Where, false)
			if err != nil {
				return nil, err
			}
			q := fmt.Sprintf("DELETE FROM %s t WHERE %s", quoteIdent(t.Name), keyMatch(t.Shape, r.Key, "$1"))
			if _, err := tx.Exec(ctx, q, keyJSON); err != nil {
				return nil, fmt.Errorf("deleting %s: %w", r.ID, explainSQL(err))
			}
			delete(mine, r.ID)
		}
	}
	for _, t := range fx.Tables {
		for _, r := range t.Rows {
			cur, err := selectRow(ctx, tx, t.Shape, r)
			if err != nil {
				return nil, err
			}
			if cur == nil {
				if fx.Update {
					return nil, fmt.Errorf("%s: no row %s to update (the file's __mode is \"update\")", r.Path, r.ID)
				}
				if err := insertRow(ctx, tx, t.Shape, r); err != nil {
					return nil, err
				}
				mine[r.ID] = true
				continue
			}
			if err := updateRow(ctx, tx, t.Shape, r, cur); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgresql %s: commit: %w", c.where(), err)
	}
	return slices.Sorted(maps.Keys(mine)), nil
}

// insertRow inserts a new row; the columns it leaves out get the defaults of
// Backend.AI's models, as its own loader's inserts do, or else the server's.
func insertRow(ctx context.Context, tx pgx.Tx, t fixtures.Shape, r fixtures.Row) error {
	row := maps.Clone(r.Values)
	for _, c := range t.Columns {
		if _, set := row[c.Name]; set || c.Default == nil {
			continue
		}
		switch d := c.Default; {
		case d.Func == "uuid":
			row[c.Name] = uuid.NewString()
		case d.Func == "now":
			row[c.Name] = time.Now().UTC().Format(time.RFC3339Nano)
		case d.Name != "" && slices.Contains(c.Values, d.Name):
			row[c.Name] = d.Name
		case d.Func == "":
			v, err := fixtures.Normalize(c, d.Value)
			if err != nil {
				return fmt.Errorf("%s: the default of %s: %w", r.Path, c.Name, err)
			}
			row[c.Name] = v
		}
	}
	values, err := rowJSON(t, row, true)
	if err != nil {
		return err
	}
	cols := columnList(slices.Sorted(maps.Keys(row)))
	q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM jsonb_populate_record(NULL::%s, $1::jsonb)",
		quoteIdent(t.Name), cols, cols, quoteIdent(t.Name))
	if _, err := tx.Exec(ctx, q, values); err != nil {
		return fmt.Errorf("%s: inserting %s: %w", r.Path, r.ID, explainSQL(err))
	}
	return nil
}

// updateRow changes only the columns whose values differ from the database's.
func updateRow(ctx context.Context, tx pgx.Tx, t fixtures.Shape, r fixtures.Row, cur *current) error {
	changed := map[string]any{}
	for k, want := range r.Values {
		c, _ := t.Column(k)
		if c.Kind == fixtures.Password || c.Kind == fixtures.Secret {
			if !cur.secretsMatch[k] {
				changed[k] = want
			}
			continue
		}
		if !reflect.DeepEqual(want, cur.Values[k]) {
			changed[k] = want
		}
	}
	if len(changed) == 0 {
		return nil
	}
	values, err := rowJSON(t, changed, true)
	if err != nil {
		return err
	}
	keyJSON, err := rowJSON(t, cur.Where, false)
	if err != nil {
		return err
	}
	cols := columnList(slices.Sorted(maps.Keys(changed)))
	q := fmt.Sprintf("UPDATE %s t SET (%s) = (SELECT %s FROM jsonb_populate_record(NULL::%s, $1::jsonb)) WHERE %s",
		quoteIdent(t.Name), cols, cols, quoteIdent(t.Name), keyMatch(t, cur.Key, "$2"))
	if _, err := tx.Exec(ctx, q, values, keyJSON); err != nil {
		return fmt.Errorf("%s: updating %s: %w", r.Path, r.ID, explainSQL(err))
	}
	return nil
}

func columnList(cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = quoteIdent(c)
	}
	return strings.Join(out, ", ")
}

// explainSQL keeps the server's message and the constraint it names.
func explainSQL(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	msg := pgErr.Message
	if pgErr.Detail != "" && strings.HasPrefix(pgErr.Code, "23") { // integrity: which key
		msg += ": " + pgErr.Detail
	}
	return fmt.Errorf("%s (SQLSTATE %s)", msg, pgErr.Code)
}

// quoteIdent quotes a table or column name for SQL; names come only from the fixtures package's shapes.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
