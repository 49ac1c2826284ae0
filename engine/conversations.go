package engine

// ConversationStore persists contacts, conversations, messages and routing decisions.
type ConversationStore interface{}
