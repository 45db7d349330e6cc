import { gql, type TypedDocumentNode } from "@apollo/client";
import type { SignInMutation, SignInMutationVariables } from "../gql/types";
import { SIGN_IN_OUTCOME } from "./me";

export const SIGN_IN: TypedDocumentNode<SignInMutation, SignInMutationVariables> = gql`
  mutation SignIn($email: String!, $password: String!) {
    signIn(email: $email, password: $password) {
      ...SignInOutcome
    }
  }
  ${SIGN_IN_OUTCOME}
`;
