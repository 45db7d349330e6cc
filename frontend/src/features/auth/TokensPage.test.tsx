import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { API_TOKENS, CREATE_TOKEN } from "../../operations/apiTokens";
import { EDITOR, renderApp } from "../../test/render";

const ADMIN = { ...EDITOR, role: "ADMIN" as const };
const ci = {
  __typename: "ApiTokenInfo" as const,
  id: "t1",
  name: "ci",
  role: "EDITOR" as const,
  createdAt: "2026-11-30T09:00:00Z",
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
};

describe("TokensPage", () => {
  it("creates a token and shows it once", async () => {
    renderApp("/tokens", {
      me: ADMIN,
      mocks: [
        { request: { query: API_TOKENS }, result: { data: { apiTokens: [] } } },
        {
          request: {
            query: CREATE_TOKEN,
            variables: { name: "ci", role: "EDITOR", expiresInDays: 90 },
          },
          result: {
            data: {
              createToken: {
                __typename: "CreatedToken",
                id: "t1",
                name: "ci",
                role: "EDITOR",
                token: "slk_secret",
                expiresAt: null,
              },
            },
          },
        },
        { request: { query: API_TOKENS }, result: { data: { apiTokens: [ci] } } },
      ],
    });
    expect(await screen.findByRole("heading", { name: "API tokens of acme" })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/Name/), "ci");
    await userEvent.click(screen.getByRole("button", { name: "Create token" }));
    expect(await screen.findByTestId("new-token")).toHaveTextContent("slk_secret");
    expect(await screen.findByRole("cell", { name: "ci" })).toBeInTheDocument();
  });

  it("is in the navigation for admins only", () => {
    const editor = renderApp("/datasets", { me: EDITOR });
    expect(screen.getByRole("link", { name: "Datasets" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Tokens" })).not.toBeInTheDocument();
    editor.unmount();
    renderApp("/datasets", { me: ADMIN });
    expect(screen.getByRole("link", { name: "Tokens" })).toBeInTheDocument();
  });
});
