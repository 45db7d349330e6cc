import { InMemoryCache, type FieldPolicy, type Reference } from "@apollo/client";
import possibleTypes from "../gql/possibleTypes";

type TaskPageRef = { __typename: "TaskPage"; items: Reference[]; nextCursor: string | null };
type TasksResultRef =
  TaskPageRef | { __typename: "InvalidArgument"; code: string; message: string };

/**
 * `tasks` is one list per filter (status, datasource); a page fetched with `after`
 * is appended, a fetch without `after` replaces the list. Live tasks from `taskFeed`
 * are prepended by the Tasks page through `cache.updateQuery`. A refused `after`
 * (InvalidArgument) replaces the list, so the page offers to start again.
 */
const taskPages: FieldPolicy<TasksResultRef> = {
  keyArgs: ["status", "datasource"],
  merge(existing, incoming, { args, readField }) {
    if (existing?.__typename !== "TaskPage" || incoming.__typename !== "TaskPage" || !args?.after)
      return incoming;
    const seen = new Set(existing.items.map((item) => readField<string>("id", item)));
    return {
      ...incoming,
      items: [
        ...existing.items,
        ...incoming.items.filter((item) => !seen.has(readField<string>("id", item))),
      ],
    };
  },
};

/** The one Apollo cache of the app: how each type is identified and merged. */
export function makeCache(): InMemoryCache {
  return new InMemoryCache({
    possibleTypes: possibleTypes.possibleTypes,
    typePolicies: {
      Query: {
        fields: {
          tasks: taskPages,
          // A task or dataset already in the cache (from a list, a subscription or
          // an upload) renders at once; missing fields still go to the network.
          task: {
            read(existing, { args, toReference, canRead }) {
              if (existing !== undefined || !args?.id) return existing;
              const ref = toReference({ __typename: "IngestionTask", id: args.id });
              return canRead(ref) ? ref : undefined;
            },
          },
          datasource: {
            read(existing, { args, toReference, canRead }) {
              if (existing !== undefined || !args?.name) return existing;
              const ref = toReference({ __typename: "Dataset", name: args.name });
              return canRead(ref) ? ref : undefined;
            },
          },
        },
      },
      IngestionTask: {
        fields: {
          // Every update carries the whole event list and profile: take the newest.
          events: { merge: false },
          profile: { merge: true },
          error: { merge: false },
        },
      },
      Dataset: { keyFields: ["name"] },
      Profile: { keyFields: false },
      ColumnProfile: { keyFields: false },
      TaskEvent: { keyFields: false },
    },
  });
}
