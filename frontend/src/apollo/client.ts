import { ApolloClient, ApolloLink } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import UploadHttpLink from "apollo-upload-client/UploadHttpLink.mjs";
import { OperationTypeNode } from "graphql";
import { createClient } from "graphql-ws";
import { makeCache } from "./cache";
import { xhrFetch } from "./xhrFetch";

const ENDPOINT = "/graphql";

/** ws://host/graphql or wss://host/graphql, matching how the page itself was loaded. */
export function websocketUrl(location: Pick<Location, "protocol" | "host">): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${ENDPOINT}`;
}

/**
 * Queries and mutations (with file uploads) go over HTTP multipart to /graphql;
 * subscriptions go over one graphql-ws WebSocket to the same path.
 */
/** HTTP for queries and mutations; multipart when variables hold files, with byte progress. */
export function makeHttpLink(): ApolloLink {
  // The session cookie goes with every same-origin request. The header is one no other site
  // can make a browser send without asking the API first (CORS preflight): the API refuses
  // a multipart request without it (cross-site request forgery).
  return new UploadHttpLink({
    uri: ENDPOINT,
    fetch: xhrFetch,
    credentials: "same-origin",
    headers: { "x-sluice-csrf": "1" },
  });
}

export function makeLink(): ApolloLink {
  const http = makeHttpLink();
  const ws = new GraphQLWsLink(
    createClient({
      url: websocketUrl(window.location),
      lazy: true,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: async (retries) => {
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retries, 15000)));
      },
    }),
  );
  return ApolloLink.split(
    ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
    ws,
    http,
  );
}

export function makeClient(): ApolloClient {
  return new ApolloClient({ link: makeLink(), cache: makeCache() });
}
