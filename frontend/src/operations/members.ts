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
import { useAction } from "./useAction";

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

/** The workspace's members, `setMember` (add an account or change its role: an action whose
 * refusal is its `problem`) and `removeMember`; each change reloads the list. */
export function useMembers() {
  const members = useQuery(MEMBERS, { fetchPolicy: "cache-and-network" });
  const [removeMember] = useMutation(REMOVE_MEMBER, { refetchQueries: [MEMBERS] });
  const setMember = useAction(SET_MEMBER, (data) => data.setMember);
  return { members, setMember, removeMember };
}
