import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Role } from "../../gql/types";
import { MEMBERS, REMOVE_MEMBER, SET_MEMBER } from "../../operations/members";
import { EDITOR, renderApp } from "../../test/render";

const ADMIN = { ...EDITOR, role: "ADMIN" as const };
const member = (email: string, role: Role) => ({ __typename: "Member" as const, email, role });
const members = (...list: ReturnType<typeof member>[]) => ({
  request: { query: MEMBERS },
  result: { data: { members: list } },
});
const setMember = (email: string, role: Role) => ({
  request: { query: SET_MEMBER, variables: { email, role } },
  result: { data: { setMember: member(email, role) } },
});

describe("MembersPage", () => {
  it("lists the members and adds one with a role", async () => {
    renderApp("/members", {
      me: ADMIN,
      mocks: [
        members(member("ada@example.com", "ADMIN")),
        setMember("bob@example.com", "VIEWER"),
        members(member("ada@example.com", "ADMIN"), member("bob@example.com", "VIEWER")),
      ],
    });
    expect(await screen.findByRole("heading", { name: "Members of acme" })).toBeInTheDocument();
    const self = await screen.findByRole("row", { name: /ada@example.com \(you\)/ });
    expect(within(self).queryByRole("button", { name: "Remove" })).not.toBeInTheDocument();

    await userEvent.type(screen.getByLabelText(/E-mail/), "bob@example.com");
    await userEvent.click(screen.getByRole("button", { name: "Add member" }));
    const bob = await screen.findByRole("row", { name: /bob@example.com/ });
    const role = within(bob).getByRole("combobox", { name: "Role of bob@example.com" });
    expect(role).toHaveTextContent("viewer");
    expect(screen.getByLabelText(/E-mail/)).toHaveValue("");
  });

  it("says why an account cannot be added", async () => {
    const message = "There is no account eve@example.com. Create it first.";
    renderApp("/members", {
      me: ADMIN,
      mocks: [
        members(member("ada@example.com", "ADMIN")),
        {
          request: { query: SET_MEMBER, variables: { email: "eve@example.com", role: "VIEWER" } },
          result: {
            data: {
              setMember: { __typename: "AuthRejected", code: "NO_SUCH_USER", message },
            },
          },
        },
      ],
    });
    await userEvent.type(await screen.findByLabelText(/E-mail/), "eve@example.com");
    await userEvent.click(screen.getByRole("button", { name: "Add member" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(`No such account. ${message}`);
  });

  it("changes a role and removes a member", async () => {
    renderApp("/members", {
      me: ADMIN,
      mocks: [
        members(member("ada@example.com", "ADMIN"), member("bob@example.com", "VIEWER")),
        setMember("bob@example.com", "EDITOR"),
        members(member("ada@example.com", "ADMIN"), member("bob@example.com", "EDITOR")),
        {
          request: { query: REMOVE_MEMBER, variables: { email: "bob@example.com" } },
          result: { data: { removeMember: true } },
        },
        members(member("ada@example.com", "ADMIN")),
      ],
    });
    const bob = await screen.findByRole("row", { name: /bob@example.com/ });
    const role = within(bob).getByRole("combobox", { name: "Role of bob@example.com" });
    await userEvent.click(role);
    await userEvent.click(await screen.findByRole("option", { name: "editor" }));
    expect(await within(bob).findByDisplayValue("EDITOR")).toBeInTheDocument();
    expect(role).toHaveTextContent("editor");

    await userEvent.click(within(bob).getByRole("button", { name: "Remove" }));
    await screen.findByRole("row", { name: /ada@example.com/ });
    expect(await screen.findAllByRole("row")).toHaveLength(2); // the header and ada
  });

  it("is in the navigation for admins only", () => {
    const editor = renderApp("/datasets", { me: EDITOR });
    expect(screen.queryByRole("link", { name: "Members" })).not.toBeInTheDocument();
    editor.unmount();
    renderApp("/datasets", { me: ADMIN });
    expect(screen.getByRole("link", { name: "Members" })).toBeInTheDocument();
  });
});
