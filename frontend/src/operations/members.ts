import { gql, type TypedDocumentNode } from "@apollo/client";
import { useMutation, useQuery } from "@apollo/client/react";
import type {
  MembersQuery,
  MembersQueryVariables,
  RemoveMemberMutation,
  RemoveMemberMutationVariables,
  SetMemberMutation,
  SetMemberMutationVariables,
} from "../gql/types";

export const REMOVE_MEMBER: TypedDocumentNode<RemoveMemberMutation, RemoveMemberMutationVariables> =
  gql`
    mutation RemoveMember($email: String!) {
      removeMember(email: $email)
    }
  `;

export const MEMBERS: TypedDocumentNode<MembersQuery, MembersQueryVariables> = gql`
  query Members {
    members {
      email
      role
    }
  }
`;

export const SET_MEMBER: TypedDocumentNode<SetMemberMutation, SetMemberMutationVariables> = gql`
  mutation SetMember($email: String!, $role: Role!) {
    setMember(email: $email, role: $role) {
      __typename
      ... on AuthRejected {
        code
        message
      }
      ... on Member {
        email
        role
      }
    }
  }
`;

/** The workspace's members, and the two changes to them (setMember adds an account or
 * changes its role); each change reloads the list. */
export function useMembers() {
  const members = useQuery(MEMBERS, { fetchPolicy: "cache-and-network" });
  const reload = { refetchQueries: [MEMBERS] };
  const [setMember, setting] = useMutation(SET_MEMBER, reload);
  const [removeMember] = useMutation(REMOVE_MEMBER, reload);
  return { members, setMember, saving: setting.loading, removeMember };
}
