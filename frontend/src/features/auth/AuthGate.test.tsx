import { ApolloClient } from "@apollo/client";
import { ApolloProvider } from "@apollo/client/react";
import { MockLink } from "@apollo/client/testing";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { GraphQLError } from "graphql";
import { describe, expect, it, vi } from "vitest";
import { makeCache } from "../../apollo/cache";
import { ME } from "../../operations/me";
import { SIGN_IN } from "../../operations/signIn";
import { EDITOR } from "../../test/render";
import { AuthGate } from "./AuthGate";

const reloadAs = vi.hoisted(() => vi.fn());
vi.mock("./session", async (original) => ({ ...(await original<object>()), reloadAs }));

const signedOut = {
  request: { query: ME },
  result: {
    errors: [
      new GraphQLError("You are not signed in.", { extensions: { code: "UNAUTHENTICATED" } }),
    ],
  },
};

function renderGate(mocks: ReadonlyArray<MockLink.MockedResponse>) {
  const client = new ApolloClient({
    link: new MockLink(mocks, { defaultOptions: { delay: 0 } }),
    cache: makeCache(),
  });
  return render(
    <ApolloProvider client={client}>
      <AuthGate>
        <p>the app</p>
      </AuthGate>
    </ApolloProvider>,
  );
}

describe("AuthGate", () => {
  it("shows the app to a signed-in user", async () => {
    renderGate([{ request: { query: ME }, result: { data: { me: EDITOR } } }]);
    expect(await screen.findByText("the app")).toBeInTheDocument();
  });

  it("shows only the sign-in page without a session, then signs in", async () => {
    const signIn = {
      request: {
        query: SIGN_IN,
        variables: { email: "ada@example.com", password: "correct horse" },
      },
      result: { data: { signIn: EDITOR } },
    };
    renderGate([signedOut, signIn]);
    expect(await screen.findByRole("heading", { name: "Sign in to Sluice" })).toBeInTheDocument();
    expect(screen.queryByText("the app")).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/E-mail/), "ada@example.com");
    await userEvent.type(screen.getByLabelText(/Password/), "correct horse");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await vi.waitFor(() => expect(reloadAs).toHaveBeenCalled());
  });

  it("says why a sign-in was refused", async () => {
    const refused = {
      request: { query: SIGN_IN, variables: { email: "ada@example.com", password: "wrong" } },
      result: {
        data: {
          signIn: {
            __typename: "AuthRejected",
            code: "WRONG_PASSWORD",
            message: "The e-mail address or the password is wrong.",
          },
        },
      },
    };
    renderGate([signedOut, refused]);
    await userEvent.type(await screen.findByLabelText(/E-mail/), "ada@example.com");
    await userEvent.type(screen.getByLabelText(/Password/), "wrong");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "The e-mail address or the password is wrong.",
    );
  });
});
