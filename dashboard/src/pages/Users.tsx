// Users & KYC: every user with their verification status, and creating one.
import { useState } from 'react';
import { useLocation } from 'wouter';
import { useCreateUser, useUserPages } from '../api/users';
import { DataTable } from '../components/DataTable';
import { StatusBadge } from '../components/feedback';
import { formatTime } from '../components/format';
import { TextField } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { MutationForm } from '../components/MutationForm';
import { PagedList } from '../components/PagedList';
import { Panel } from '../components/Panel';
import { usePageTitle } from '../components/usePageTitle';

function CreateUser() {
  const create = useCreateUser();
  const [, navigate] = useLocation();
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [email, setEmail] = useState('');

  return (
    <Panel headingId="create-user-heading" heading="Create a user">
      <MutationForm
        send={() => create.mutate({ firstName, lastName, email }, { onSuccess: (user) => navigate(`/users/${user.id}`) })}
        submitLabel="Create user"
        primary
        pending={create.isPending}
        error={create.error}
      >
        <TextField label="First name" value={firstName} onChange={setFirstName} required autoComplete="off" />
        <TextField label="Last name" value={lastName} onChange={setLastName} required autoComplete="off" />
        <TextField label="Email" type="email" value={email} onChange={setEmail} required autoComplete="off" />
      </MutationForm>
    </Panel>
  );
}

export function Users() {
  usePageTitle('Users & KYC');
  const users = useUserPages();
  return (
    <>
      <h1>Users & KYC</h1>
      <CreateUser />
      <Panel headingId="users-heading" heading="Users">
        <p className="small">Newest first. Open a user for their verification link, KYC decision, balance, agents and cards.</p>
        <PagedList pages={users} loadingWhat="users" empty="No users yet." pagerLabel="users">
          {(rows) => (
            <DataTable
              rows={rows}
              columns={[
                { header: 'Name', cell: (user) => <IdLink kind="user" id={user.id}>{`${user.firstName} ${user.lastName}`}</IdLink> },
                { header: 'Email', cell: (user) => user.email },
                { header: 'KYC status', cell: (user) => <StatusBadge status={user.applicationStatus} /> },
                { header: 'Id', kind: 'id', cell: (user) => user.id },
                { header: 'Created', cell: (user) => formatTime(user.createdAt) },
              ]}
            />
          )}
        </PagedList>
      </Panel>
    </>
  );
}
