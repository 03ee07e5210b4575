// Users & KYC: every user with their verification status, and creating one.
import { useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { useCreateUser, useUserPages } from '../api/users';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { formatTime } from '../components/format';
import { TextField } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { Pager } from '../components/Pager';
import { usePageTitle } from '../components/usePageTitle';

function CreateUser() {
  const create = useCreateUser();
  const [, navigate] = useLocation();
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [email, setEmail] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ firstName, lastName, email }, { onSuccess: (user) => navigate(`/users/${user.id}`) });
  }

  return (
    <section className="panel" aria-labelledby="create-user-heading">
      <h2 id="create-user-heading">Create a user</h2>
      <form className="inline" onSubmit={submit}>
        <TextField label="First name" value={firstName} onChange={setFirstName} required autoComplete="off" />
        <TextField label="Last name" value={lastName} onChange={setLastName} required autoComplete="off" />
        <TextField label="Email" type="email" value={email} onChange={setEmail} required autoComplete="off" />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create user
        </button>
      </form>
      <ErrorMessage error={create.error} />
    </section>
  );
}

export function Users() {
  usePageTitle('Users & KYC');
  const users = useUserPages();
  return (
    <>
      <h1>Users & KYC</h1>
      <CreateUser />
      <section className="panel" aria-labelledby="users-heading">
        <h2 id="users-heading">Users</h2>
        <p className="small">Newest first. Open a user for their verification link, KYC decision, balance, agents and cards.</p>
        {users.query.isPending ? <Loading what="users" /> : null}
        <ErrorMessage error={users.query.error} />
        {users.query.data?.data.length === 0 ? <Empty>No users yet.</Empty> : null}
        {users.query.data !== undefined && users.query.data.data.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">KYC status</th>
                <th scope="col">Id</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {users.query.data.data.map((user) => (
                <tr key={user.id}>
                  <td>
                    <IdLink kind="user" id={user.id}>{`${user.firstName} ${user.lastName}`}</IdLink>
                  </td>
                  <td>{user.email}</td>
                  <td>
                    <StatusBadge status={user.applicationStatus} />
                  </td>
                  <td className="id">{user.id}</td>
                  <td>{formatTime(user.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <Pager pages={users} label="users" />
      </section>
    </>
  );
}
