import { ApolloClient, ApolloLink } from "@apollo/client";
import { ApolloProvider } from "@apollo/client/react";
import { MockLink, MockSubscriptionLink } from "@apollo/client/testing";
import { CssBaseline, ThemeProvider } from "@mui/material";
import { render } from "@testing-library/react";
import { OperationTypeNode } from "graphql";
import type { ReactElement } from "react";
import { MemoryRouter } from "react-router";
import { App } from "../App";
import { makeCache } from "../apollo/cache";
import { UploadsProvider } from "../features/upload/UploadsProvider";
import { theme } from "../theme";

/**
 * Renders the real app (router, cache with its type policies, providers) at a URL.
 * Only the network is fake: queries and mutations are answered by a MockLink (or
 * the given link), subscriptions by a MockSubscriptionLink the test drives.
 */
export function renderApp(
  path: string,
  { mocks = [], http }: { mocks?: ReadonlyArray<MockLink.MockedResponse>; http?: ApolloLink } = {},
) {
  const subscriptions = new MockSubscriptionLink();
  const link = ApolloLink.split(
    ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
    subscriptions,
    http ?? new MockLink(mocks, { defaultOptions: { delay: 0 } }),
  );
  const client = new ApolloClient({ link, cache: makeCache() });
  const ui: ReactElement = (
    <ApolloProvider client={client}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        <MemoryRouter initialEntries={[path]}>
          <UploadsProvider>
            <App />
          </UploadsProvider>
        </MemoryRouter>
      </ThemeProvider>
    </ApolloProvider>
  );
  return { ...render(ui), client, subscriptions };
}
