import { gql, type TypedDocumentNode } from "@apollo/client";
import { useMutation, useQuery } from "@apollo/client/react";
import type {
  ApiTokensQuery,
  ApiTokensQueryVariables,
  CreateTokenMutation,
  CreateTokenMutationVariables,
  RevokeTokenMutation,
  RevokeTokenMutationVariables,
} from "../gql/types";

export const API_TOKENS: TypedDocumentNode<ApiTokensQuery, ApiTokensQueryVariables> = gql`
  query ApiTokens {
    apiTokens {
      id
      name
      role
      createdAt
      expiresAt
      revokedAt
      lastUsedAt
    }
  }
`;

export const CREATE_TOKEN: TypedDocumentNode<CreateTokenMutation, CreateTokenMutationVariables> =
  gql`
    mutation CreateToken($name: String!, $role: Role!, $expiresInDays: Int) {
      createToken(name: $name, role: $role, expiresInDays: $expiresInDays) {
        __typename
        ... on CreatedToken {
          id
          name
          role
          token
          expiresAt
        }
        ... on AuthRejected {
          code
          message
        }
      }
    }
  `;

export const REVOKE_TOKEN: TypedDocumentNode<RevokeTokenMutation, RevokeTokenMutationVariables> =
  gql`
    mutation RevokeToken($id: ID!) {
      revokeToken(id: $id)
    }
  `;

export function useApiTokens() {
  return useQuery(API_TOKENS, { fetchPolicy: "cache-and-network" });
}

export function useCreateToken() {
  return useMutation(CREATE_TOKEN, { refetchQueries: [API_TOKENS] });
}

export function useRevokeToken() {
  return useMutation(REVOKE_TOKEN, { refetchQueries: [API_TOKENS] });
}
