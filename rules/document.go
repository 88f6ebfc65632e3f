package rules

import "encoding/json"

// Document is a rule tree as marketers author it and as the API exchanges it.
type Document struct {
	Name  string              `json:"name"`
	Facts map[string]FactType `json:"facts"`
	Root  string              `json:"root"`
	Nodes []Node              `json:"nodes"`
}

// MarshalJSON writes a tree that declares no facts with "facts": {}, never null, as the
// API documents it.
func (d Document) MarshalJSON() ([]byte, error) {
	type plain Document
	if d.Facts == nil {
		d.Facts = map[string]FactType{}
	}
	return json.Marshal(plain(d))
}

// Node branches through Edges or ends with Leaf, never both.
type Node struct {
	ID    string `json:"id"`
	Edges []Edge `json:"edges,omitempty"`
	Leaf  string `json:"leaf,omitempty"`
}

// Edge leads to the node To when When holds; a nil When makes it the default.
type Edge struct {
	When *Condition `json:"when,omitempty"`
	To   string     `json:"to"`
}

// FactType is the declared type of a fact in a document's schema.
type FactType string

// The fact types a schema may declare.
const (
	TypeInt     FactType = "int"
	TypeFloat   FactType = "float"
	TypeString  FactType = "string"
	TypeBool    FactType = "bool"
	TypeTime    FactType = "time"
	TypeStrings FactType = "[]string"
)

// Derived facts are declared in every tree; the caller provides their values.
const (
	FactNow            = "now"
	FactRegisteredDays = "registered_days"
)

// derivedFacts lists the facts every schema gets without declaring them.
var derivedFacts = map[string]FactType{
	FactNow:            TypeTime,
	FactRegisteredDays: TypeInt,
}

func (t FactType) valid() bool {
	switch t {
	case TypeInt, TypeFloat, TypeString, TypeBool, TypeTime, TypeStrings:
		return true
	}
	return false
}

// ParseDocument decodes a JSON rule tree document. It only checks that the
// JSON has the right shape; [Compile] judges the content.
func ParseDocument(data []byte) (Document, error) {
	var doc Document
	if err := json.Unmarshal(data, &doc); err != nil {
		return Document{}, err
	}
	return doc, nil
}
