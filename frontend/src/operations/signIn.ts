import { gql, type TypedDocumentNode } from "@apollo/client";
import { useMutation } from "@apollo/client/react";
import type { SignInMutation, SignInMutationVariables } from "../gql/types";
import { ME_FIELDS } from "./me";

export const SIGN_IN: TypedDocumentNode<SignInMutation, SignInMutationVariables> = gql`
  mutation SignIn($email: String!, $password: String!) {
    signIn(email: $email, password: $password) {
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

export function useSignIn() {
  return useMutation(SIGN_IN);
}
