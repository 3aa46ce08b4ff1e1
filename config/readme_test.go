package config

import (
	"os"
	"strings"
	"testing"
)

// readmeRow is one row of a README's table of link parameters.
type readmeRow struct {
	name, valueRange, step, def string
}

// readmeRows reads the rows of the parameter table, the lines that start
// with "| `name` |". Columns: name, type, range, step, default, description.
func readmeRows(t *testing.T, path string) map[string]readmeRow {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	rows := map[string]readmeRow{}
	inTable := false
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimSpace(line)
		// The parameter table is the first table whose first row names lang.
		if strings.HasPrefix(line, "| `lang` |") {
			inTable = true
		}
		if !inTable {
			continue
		}
		if !strings.HasPrefix(line, "| `") {
			break
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 6 {
			t.Errorf("%s: table row %q has %d columns, want 6", path, line, len(cells))
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		name := strings.Trim(cells[0], "`")
		if _, dup := rows[name]; dup {
			t.Errorf("%s: parameter %s has two rows", path, name)
		}
		rows[name] = readmeRow{name: name, valueRange: cells[2], step: cells[3], def: cells[4]}
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no parameter table found", path)
	}
	return rows
}

func TestReadmeTablesMatchRules(t *testing.T) {
	emptyWord := map[string]string{"../README.md": "empty", "../README.zh-CN.md": "空"}
	for path, empty := range emptyWord {
		rows := readmeRows(t, path)
		for _, r := range Rules {
			row, ok := rows[r.Name]
			if !ok {
				t.Errorf("%s: no table row for parameter %s", path, r.Name)
				continue
			}
			wantDefault := r.Default
			if wantDefault == "" {
				wantDefault = empty
			}
			if row.def != wantDefault {
				t.Errorf("%s: %s default = %q, rule says %q", path, r.Name, row.def, wantDefault)
			}
			if r.Kind != KindFloat && r.Kind != KindInt {
				continue
			}
			if want := r.Format(r.Min) + " – " + r.Format(r.Max); row.valueRange != want {
				t.Errorf("%s: %s range = %q, rule says %q", path, r.Name, row.valueRange, want)
			}
			if want := r.Format(r.Step); row.step != want {
				t.Errorf("%s: %s step = %q, rule says %q", path, r.Name, row.step, want)
			}
		}
		for name := range rows {
			if _, ok := RuleByName(name); !ok {
				t.Errorf("%s: table row %s has no rule in Rules", path, name)
			}
		}
	}
}
