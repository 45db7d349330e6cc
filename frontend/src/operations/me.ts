import { gql, type TypedDocumentNode } from "@apollo/client";
import { useQuery } from "@apollo/client/react";
import { USER_ERROR } from "../components/errors";
import type { MeQuery, MeQueryVariables } from "../gql/types";

export const ME_FIELDS = gql`
  fragment MeFields on Me {
    email
    workspace
    role
    workspaces {
      slug
      role
    }
  }
`;

/** What signing in or switching workspace answers: who the caller now is, or why not. */
export const SIGN_IN_OUTCOME = gql`
  fragment SignInOutcome on SignInResult {
    __typename
    ...MeFields
    ...UserErrorFields
  }
  ${ME_FIELDS}
  ${USER_ERROR}
`;

export const ME: TypedDocumentNode<MeQuery, MeQueryVariables> = gql`
  query Me {
    me {
      ...MeFields
    }
  }
  ${ME_FIELDS}
`;

export function useMe() {
  return useQuery(ME, { fetchPolicy: "network-only" });
}
