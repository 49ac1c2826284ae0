package engine

// AgentStore persists agents, their queue memberships and presence.
type AgentStore interface{}
