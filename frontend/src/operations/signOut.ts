import { gql, type TypedDocumentNode } from "@apollo/client";
import { useMutation } from "@apollo/client/react";
import type { SignOutMutation, SignOutMutationVariables } from "../gql/types";

export const SIGN_OUT: TypedDocumentNode<SignOutMutation, SignOutMutationVariables> = gql`
  mutation SignOut {
    signOut
  }
`;

export function useSignOut() {
  return useMutation(SIGN_OUT);
}
