import { gql, type TypedDocumentNode } from "@apollo/client";
import type { SwitchWorkspaceMutation, SwitchWorkspaceMutationVariables } from "../gql/types";
import { SIGN_IN_OUTCOME } from "./me";

export const SWITCH_WORKSPACE: TypedDocumentNode<
  SwitchWorkspaceMutation,
  SwitchWorkspaceMutationVariables
> = gql`
  mutation SwitchWorkspace($slug: String!) {
    switchWorkspace(slug: $slug) {
      ...SignInOutcome
    }
  }
  ${SIGN_IN_OUTCOME}
`;
