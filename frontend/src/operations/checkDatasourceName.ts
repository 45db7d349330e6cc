import { gql, type TypedDocumentNode } from "@apollo/client";
import { useQuery } from "@apollo/client/react";
import type { CheckDatasourceNameQuery, CheckDatasourceNameQueryVariables } from "../gql/types";

export const CHECK_DATASOURCE_NAME: TypedDocumentNode<
  CheckDatasourceNameQuery,
  CheckDatasourceNameQueryVariables
> = gql`
  query CheckDatasourceName($name: String!) {
    checkDatasourceName(name: $name) {
      exists
      problem {
        code
        message
      }
    }
  }
`;

export function useCheckDatasourceName(name: string, { skip }: { skip: boolean }) {
  return useQuery(CHECK_DATASOURCE_NAME, {
    variables: { name },
    skip,
    fetchPolicy: "network-only",
  });
}
