-- Druid keeps its own metadata (segments, tasks, rules) in a database of its own.
CREATE DATABASE druid;
