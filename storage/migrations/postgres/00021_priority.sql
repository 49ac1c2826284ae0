-- Priorities: a conversation's priority orders it among those waiting in
-- its queue (higher first, then the longest waiting) and every routing
-- decision records the priority it left; a rule may set one (NULL leaves a
-- conversation's as it is); a queue orders its waiting by priority then
-- age (the default) or by age only. Every stored conversation and decision
-- gets the default priority, every rule none and every queue the default
-- ordering, so that routing goes on exactly as before.

-- +goose Up
ALTER TABLE conversations ADD COLUMN priority integer NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 1000);
ALTER TABLE routing_decisions ADD COLUMN priority integer NOT NULL DEFAULT 0;
ALTER TABLE routing_rules ADD COLUMN priority integer CHECK (priority BETWEEN 0 AND 1000);
ALTER TABLE queues ADD COLUMN ordering text NOT NULL DEFAULT 'priority' CHECK (ordering IN ('priority', 'age'));

-- +goose Down
ALTER TABLE queues DROP COLUMN ordering;
ALTER TABLE routing_rules DROP COLUMN priority;
ALTER TABLE routing_decisions DROP COLUMN priority;
ALTER TABLE conversations DROP COLUMN priority;
