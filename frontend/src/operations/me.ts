import { gql, type TypedDocumentNode } from "@apollo/client";
import { useQuery } from "@apollo/client/react";
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
