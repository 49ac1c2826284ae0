package engine

import (
	"encoding/json"

	"github.com/switchboardhq/switchboard/dsl"
)

// Conditions is a rule's structured form (an any/all group of attribute,
// operator and value conditions), kept as the analyst wrote it. Stores keep
// its JSON, which is the dsl's group's.
type Conditions struct{ group dsl.Group }

// Group returns the structured conditions.
func (c Conditions) Group() dsl.Group { return c.group }

// MarshalJSON encodes the group as the dsl does.
func (c Conditions) MarshalJSON() ([]byte, error) { return json.Marshal(c.group) }

// UnmarshalJSON decodes a group the dsl encoded.
func (c *Conditions) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &c.group) }
