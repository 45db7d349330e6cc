import { gql, type TypedDocumentNode } from "@apollo/client";
import { useMutation } from "@apollo/client/react";
import type { SwitchWorkspaceMutation, SwitchWorkspaceMutationVariables } from "../gql/types";
import { ME_FIELDS } from "./me";

export const SWITCH_WORKSPACE: TypedDocumentNode<
  SwitchWorkspaceMutation,
  SwitchWorkspaceMutationVariables
> = gql`
  mutation SwitchWorkspace($slug: String!) {
    switchWorkspace(slug: $slug) {
      __typename
      ... on Me {
        ...MeFields
      }
      ... on AuthRejected {
        code
        message
      }
    }
  }
  ${ME_FIELDS}
`;

export function useSwitchWorkspace() {
  return useMutation(SWITCH_WORKSPACE);
}
