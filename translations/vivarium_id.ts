<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id_ID">
<context>
    <name>QApplication</name>
    <message>
        <location filename="../app/gui/main.cpp" line="+26"/>
        <source>Vivarium</source>
        <translation>Vivarium</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Watch and manage Vivarium sandboxes.</source>
        <translation>Pantau dan kelola sandbox Vivarium.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Save the window as a PNG once a run is shown, then quit.</source>
        <translation>Simpan jendela sebagai PNG setelah sebuah eksekusi ditampilkan, lalu keluar.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>file</source>
        <translation>berkas</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>With --screenshot: the sandbox tab (runs, details, terminal, files, network, snapshots) or window page (pools) to show.</source>
        <translation>Dengan --screenshot: tab sandbox (runs, details, terminal, files, network, snapshots) atau halaman jendela (pools) yang ditampilkan.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>tab</source>
        <translation>tab</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::CatalogPage</name>
    <message>
        <location filename="../app/gui/CatalogPage.cpp" line="+31"/>
        <location line="+23"/>
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location line="-22"/>
        <source>Image</source>
        <translation>Image</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>vCPUs</source>
        <translation>vCPU</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Memory</source>
        <translation>Memori</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+4"/>
        <source>%1 MiB</source>
        <translation>%1 MiB</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>Disk</source>
        <translation>Disk</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Image size</source>
        <translation>Ukuran image</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+24"/>
        <source>Source</source>
        <translation>Sumber</translation>
    </message>
    <message>
        <location line="-22"/>
        <location line="+24"/>
        <source>Built-in</source>
        <translation>Bawaan</translation>
    </message>
    <message>
        <location line="-24"/>
        <source>Yours</source>
        <translation>Milik Anda</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Description</source>
        <translation>Deskripsi</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size on disk</source>
        <translation>Ukuran di disk</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Built on first use</source>
        <translation>Dibuat saat pertama dipakai</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Built</source>
        <translation>Dibuat</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Pulled</source>
        <translation>Ditarik</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Refresh</source>
        <translation>Muat ulang</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>New Sandbox from Template…</source>
        <translation>Sandbox Baru dari Templat…</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Filter templates</source>
        <translation>Saring templat</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Filter images</source>
        <translation>Saring image</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Templates</source>
        <translation>Templat</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Images</source>
        <translation>Image</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>A template fixes the image, vCPUs, memory and disk of the sandboxes made from it, and the environment, working directory and user of their commands. Your templates are files in ~/.config/vivarium/templates.</source>
        <translation>Templat menentukan image, vCPU, memori, dan disk sandbox yang dibuat darinya, serta lingkungan, direktori kerja, dan pengguna perintah-perintahnya. Templat Anda berupa berkas di ~/.config/vivarium/templates.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Images are the root filesystems of sandboxes. A built-in image is built the first time a sandbox needs it, and kept. Pull… brings an image from a registry (Docker Hub, ghcr.io, your own); its environment, working directory, user and command become the defaults of its sandboxes&apos; commands.</source>
        <translation>Image adalah sistem berkas akar sandbox. Image bawaan dibuat saat pertama kali dibutuhkan sebuah sandbox, lalu disimpan. Tarik… mengambil image dari registry (Docker Hub, ghcr.io, milik Anda sendiri); lingkungan, direktori kerja, pengguna, dan perintahnya menjadi bawaan perintah-perintah sandbox-nya.</translation>
    </message>
    <message>
        <location line="+224"/>
        <source>Description:</source>
        <translation>Deskripsi:</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+104"/>
        <source>Working directory:</source>
        <translation>Direktori kerja:</translation>
    </message>
    <message>
        <location line="-104"/>
        <location line="+105"/>
        <source>The user&apos;s home directory</source>
        <translation>Direktori rumah pengguna</translation>
    </message>
    <message>
        <location line="-103"/>
        <location line="+105"/>
        <source>User:</source>
        <translation>Pengguna:</translation>
    </message>
    <message>
        <location line="-105"/>
        <location line="+105"/>
        <source>root</source>
        <translation>root</translation>
    </message>
    <message>
        <location line="-100"/>
        <location line="+102"/>
        <source>Environment:</source>
        <translation>Lingkungan:</translation>
    </message>
    <message>
        <location line="-102"/>
        <location line="+102"/>
        <source>Nothing added</source>
        <translation>Tidak ada tambahan</translation>
    </message>
    <message>
        <location line="-100"/>
        <source>File:</source>
        <translation>Berkas:</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;Pull…</source>
        <translation>&amp;Tarik…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Pull an image from a registry (%1)</source>
        <translation>Tarik image dari registry (%1)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Delete the selected pulled image</source>
        <translation>Hapus image tarikan yang dipilih</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Delete Image</source>
        <translation>Hapus Image</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete image “%1”? Sandboxes and templates that use it keep it from being deleted; pull it again to get it back.</source>
        <translation>Hapus image “%1”? Sandbox dan template yang memakainya mencegah penghapusan; tarik lagi untuk mendapatkannya kembali.</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Could not delete image “%1”.</source>
        <translation>Tidak dapat menghapus image “%1”.</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>References:</source>
        <translation>Referensi:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Digest:</source>
        <translation>Digest:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Layers:</source>
        <translation>Lapisan:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 (%2 compressed)</source>
        <translation>%1 (%2 terkompresi)</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Command:</source>
        <translation>Perintah:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>None</source>
        <translation>Tidak ada</translation>
    </message>
    <message>
        <location line="-288"/>
        <source>Cannot list the templates.</source>
        <translation>Tidak dapat menampilkan daftar templat.</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Cannot list the images.</source>
        <translation>Tidak dapat menampilkan daftar image.</translation>
    </message>
    <message numerus="yes">
        <location line="+55"/>
        <source>&lt;b&gt;%n template file(s) skipped:&lt;/b&gt;</source>
        <translation>
            <numerusform>&lt;b&gt;%n berkas templat dilewati:&lt;/b&gt;</numerusform>
        </translation>
    </message>
    <message>
        <location line="+18"/>
        <source>New &amp;Template…</source>
        <translation>&amp;Templat Baru…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Make a template</source>
        <translation>Buat templat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Edit…</source>
        <translation>&amp;Ubah…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Change the selected template</source>
        <translation>Ubah templat yang dipilih</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>D&amp;uplicate…</source>
        <translation>&amp;Gandakan…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Make a template from a copy of the selected one</source>
        <translation>Buat templat dari salinan templat yang dipilih</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+126"/>
        <source>&amp;Delete…</source>
        <translation>&amp;Hapus…</translation>
    </message>
    <message>
        <location line="-125"/>
        <source>Delete the selected template</source>
        <translation>Hapus templat yang dipilih</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>Delete Template</source>
        <translation>Hapus Templat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete template “%1”? Its file is deleted; sandboxes made from it keep their settings.</source>
        <translation>Hapus templat “%1”? Berkasnya dihapus; sandbox yang dibuat darinya tetap memakai pengaturannya.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Could not delete template “%1”.</source>
        <translation>Tidak dapat menghapus templat “%1”.</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>No template selected</source>
        <translation>Tidak ada templat yang dipilih</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>No image selected</source>
        <translation>Tidak ada image yang dipilih</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::CredentialsPage</name>
    <message>
        <location filename="../app/gui/CredentialsPage.cpp" line="+49"/>
        <location line="+17"/>
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location line="-16"/>
        <source>Updated</source>
        <translation>Diperbarui</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Stored in</source>
        <translation>Disimpan di</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Desktop keyring</source>
        <translation>Keyring desktop</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Private file</source>
        <translation>Berkas pribadi</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Upstream</source>
        <translation>Upstream</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Headers</source>
        <translation>Header</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>In the sandbox</source>
        <translation>Di dalam sandbox</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Missing secrets</source>
        <translation>Rahasia yang belum ada</translation>
    </message>
    <message>
        <location line="+36"/>
        <location line="+53"/>
        <source>Secrets</source>
        <translation>Rahasia</translation>
    </message>
    <message>
        <location line="-52"/>
        <location line="+55"/>
        <source>Routes</source>
        <translation>Rute</translation>
    </message>
    <message>
        <location line="-48"/>
        <source>&amp;Set Secret…</source>
        <translation>&amp;Atur Rahasia…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Set a secret, or replace the selected one&apos;s value</source>
        <translation>Atur rahasia, atau ganti nilai rahasia yang dipilih</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete Secret…</source>
        <translation>Hapus Rahasia…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Delete the selected secret</source>
        <translation>Hapus rahasia yang dipilih</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Add Route…</source>
        <translation>&amp;Tambah Rute…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Add a credential route</source>
        <translation>Tambah rute kredensial</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Edit Route…</source>
        <translation>&amp;Ubah Rute…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Change the selected route</source>
        <translation>Ubah rute yang dipilih</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete Route…</source>
        <translation>Hapus Rute…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Delete the selected route</source>
        <translation>Hapus rute yang dipilih</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Values stay on this computer: they are never shown again and never enter a sandbox. Routes use them as {secret:NAME}.</source>
        <translation>Nilai tetap di komputer ini: tidak pernah ditampilkan lagi dan tidak pernah masuk ke sandbox. Rute memakainya sebagai {secret:NAME}.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A sandbox whose template names a route calls $NAME_BASE_URL without any key; the host adds the route&apos;s headers on the way to its upstream. Routes are files in ~/.config/vivarium/routes.</source>
        <translation>Sandbox yang templatnya menyebut sebuah rute memanggil $NAME_BASE_URL tanpa kunci apa pun; host menambahkan header rute itu dalam perjalanan ke upstream-nya. Rute adalah berkas di ~/.config/vivarium/routes.</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Cannot list the secrets.</source>
        <translation>Tidak dapat menampilkan daftar rahasia.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>New secrets are kept in the %1.</source>
        <translation>Rahasia baru disimpan di %1.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(Not the desktop keyring: %1.)</source>
        <translation>(Bukan keyring desktop: %1.)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Cannot list the routes.</source>
        <translation>Tidak dapat menampilkan daftar rute.</translation>
    </message>
    <message numerus="yes">
        <location line="+5"/>
        <source>&lt;b&gt;%n route file(s) skipped:&lt;/b&gt;</source>
        <translation>
            <numerusform>&lt;b&gt;%n berkas rute dilewati:&lt;/b&gt;</numerusform>
        </translation>
    </message>
    <message>
        <location line="+60"/>
        <source>Delete Secret</source>
        <translation>Hapus Rahasia</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Delete Route</source>
        <translation>Hapus Rute</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete secret “%1”? Routes that use it stop working until it is set again.</source>
        <translation>Hapus rahasia “%1”? Rute yang memakainya berhenti bekerja sampai rahasia itu diatur lagi.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete route “%1”? Its file is deleted.</source>
        <translation>Hapus rute “%1”? Berkasnya akan dihapus.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Could not delete secret “%1”.</source>
        <translation>Tidak dapat menghapus rahasia “%1”.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Could not delete route “%1”.</source>
        <translation>Tidak dapat menghapus rute “%1”.</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::FilesModel</name>
    <message>
        <location filename="../app/gui/FilesModel.cpp" line="+22"/>
        <source>Folder</source>
        <translation>Folder</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>File</source>
        <translation>Berkas</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Link to %1</source>
        <translation>Tautan ke %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Other</source>
        <translation>Lainnya</translation>
    </message>
    <message>
        <location line="+190"/>
        <source>%1 → %2</source>
        <translation>%1 → %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Owner %1, group %2</source>
        <translation>Pemilik %1, grup %2</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Size</source>
        <translation>Ukuran</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Type</source>
        <translation>Jenis</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Permissions</source>
        <translation>Izin</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Modified</source>
        <translation>Diubah</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::FilesTab</name>
    <message>
        <location filename="../app/gui/FilesTab.cpp" line="+120"/>
        <source>Save File From the Sandbox</source>
        <translation>Simpan Berkas dari Sandbox</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save Files From the Sandbox Into</source>
        <translation>Simpan Berkas dari Sandbox ke</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Upload Files to %1</source>
        <translation>Unggah Berkas ke %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Files</source>
        <translation>Berkas</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Files in the sandbox</source>
        <translation>Berkas di sandbox</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Folder in the sandbox</source>
        <translation>Folder di sandbox</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Folder path, e.g. /root</source>
        <translation>Jalur folder, mis. /root</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Up</source>
        <translation>&amp;Naik</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Go to the parent folder</source>
        <translation>Ke folder induk</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Re&amp;fresh</source>
        <translation>&amp;Muat ulang</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reload the folder</source>
        <translation>Muat ulang folder</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Download…</source>
        <translation>&amp;Unduh…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the selected files on this computer</source>
        <translation>Simpan berkas yang dipilih di komputer ini</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Upload…</source>
        <translation>Ung&amp;gah…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Copy files from this computer into this folder; you can also drop them on the list</source>
        <translation>Salin berkas dari komputer ini ke folder ini; Anda juga bisa menjatuhkannya ke daftar</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>De&amp;lete…</source>
        <translation>&amp;Hapus…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete the selected files and folders</source>
        <translation>Hapus berkas dan folder yang dipilih</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Edit &amp;path</source>
        <translation>Ubah &amp;jalur</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Type a folder to go to</source>
        <translation>Ketik folder yang dituju</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>No sandbox is selected.</source>
        <translation>Tidak ada sandbox yang dipilih.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The sandbox is starting. Its files can be browsed once it is ready.</source>
        <translation>Sandbox sedang dimulai. Berkasnya bisa dijelajahi setelah siap.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The sandbox is stopping.</source>
        <translation>Sandbox sedang dihentikan.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The sandbox is being deleted.</source>
        <translation>Sandbox sedang dihapus.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Start the sandbox to browse its files.</source>
        <translation>Mulai sandbox untuk menjelajahi berkasnya.</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>Cannot reach vivariumd: %1. Refresh to try again.</source>
        <translation>Tidak dapat menghubungi vivariumd: %1. Muat ulang untuk mencoba lagi.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>the connection was lost</source>
        <translation>koneksi terputus</translation>
    </message>
    <message>
        <location line="+53"/>
        <location line="+44"/>
        <source>Cannot open %1: %2</source>
        <translation>Tidak dapat membuka %1: %2</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1 is not a regular file, so it cannot be downloaded.</source>
        <translation>%1 bukan berkas biasa, jadi tidak dapat diunduh.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Folders cannot be downloaded yet: %1. Download the files inside them instead.</source>
        <translation>Folder belum dapat diunduh: %1. Unduh saja berkas di dalamnya.</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Cannot upload %1: it no longer exists.</source>
        <translation>Tidak dapat mengunggah %1: berkas itu sudah tidak ada.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Folders cannot be uploaded yet: %1. Drop or choose the files inside them instead.</source>
        <translation>Folder belum dapat diunggah: %1. Jatuhkan atau pilih saja berkas di dalamnya.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Replace %1 in %2 in the sandbox?</source>
        <translation>Ganti %1 di %2 dalam sandbox?</translation>
    </message>
    <message numerus="yes">
        <location line="+36"/>
        <source>%n items</source>
        <translation>
            <numerusform>%n item</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete %1 from the sandbox, with everything in the folders?</source>
        <translation>Hapus %1 dari sandbox, beserta seluruh isi foldernya?</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete %1 from the sandbox?</source>
        <translation>Hapus %1 dari sandbox?</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Cannot delete %1: %2</source>
        <translation>Tidak dapat menghapus %1: %2</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Waiting to upload %1…</source>
        <translation>Menunggu untuk mengunggah %1…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Waiting to download %1…</source>
        <translation>Menunggu untuk mengunduh %1…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 → sandbox %2</source>
        <translation>%1 → sandbox %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>sandbox %1 → %2</source>
        <translation>sandbox %1 → %2</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel this transfer</source>
        <translation>Batalkan transfer ini</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Uploading %1 to %2…</source>
        <translation>Mengunggah %1 ke %2…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Downloading %1 to %2…</source>
        <translation>Mengunduh %1 ke %2…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 of %2</source>
        <translation>%1 dari %2</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>no such file or folder</source>
        <translation>berkas atau folder tidak ada</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>permission denied</source>
        <translation>izin ditolak</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it is a folder</source>
        <translation>itu sebuah folder</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it is not a folder</source>
        <translation>itu bukan folder</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>it is not a regular file</source>
        <translation>itu bukan berkas biasa</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the folder has more than 100 000 entries</source>
        <translation>folder berisi lebih dari 100 000 entri</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the root folder and mount points cannot be deleted</source>
        <translation>folder akar dan titik kait tidak dapat dihapus</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the sandbox is not running</source>
        <translation>sandbox tidak sedang berjalan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the sandbox stopped</source>
        <translation>sandbox berhenti</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the sandbox did not answer in time</source>
        <translation>sandbox tidak menjawab tepat waktu</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the connection to vivariumd was lost</source>
        <translation>koneksi ke vivariumd terputus</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>this connection&apos;s token does not allow it</source>
        <translation>token koneksi ini tidak mengizinkannya</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cancelled</source>
        <translation>dibatalkan</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>cannot reach vivariumd (%1)</source>
        <translation>tidak dapat menghubungi vivariumd (%1)</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Uploaded %1 to %2 (%3).</source>
        <translation>%1 diunggah ke %2 (%3).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Downloaded %1 to %2 (%3).</source>
        <translation>%1 diunduh ke %2 (%3).</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Cancelled.</source>
        <translation>Dibatalkan.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cannot upload %1: %2</source>
        <translation>Tidak dapat mengunggah %1: %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cannot download %1: %2</source>
        <translation>Tidak dapat mengunduh %1: %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Close</source>
        <translation>Tutup</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove this line</source>
        <translation>Hapus baris ini</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::ImagePullDialog</name>
    <message>
        <location filename="../app/gui/ImagePullDialog.cpp" line="+49"/>
        <source>Waiting</source>
        <translation>Menunggu</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Another pull is fetching it</source>
        <translation>Penarikan lain sedang mengambilnya</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Downloading</source>
        <translation>Mengunduh</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Already here</source>
        <translation>Sudah ada</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Downloaded</source>
        <translation>Terunduh</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Extracting</source>
        <translation>Mengekstrak</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Extracted</source>
        <translation>Terekstrak</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Insecure registry: allow plain HTTP and unverified certificates</source>
        <translation>Registry tidak aman: izinkan HTTP biasa dan sertifikat yang tidak terverifikasi</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>C&amp;ancel Pull</source>
        <translation>B&amp;atalkan Penarikan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Pull Image</source>
        <translation>Tarik Image</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>python:3.12-slim, ghcr.io/owner/image:tag</source>
        <translation>python:3.12-slim, ghcr.io/pemilik/image:tag</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Image reference</source>
        <translation>Referensi image</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A registry on this computer (localhost, 127.0.0.1) may always use plain HTTP. Any other needs TLS unless you allow this.</source>
        <translation>Registry di komputer ini (localhost, 127.0.0.1) selalu boleh memakai HTTP biasa. Registry lain memerlukan TLS kecuali Anda mengizinkan ini.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Image:</source>
        <translation>&amp;Image:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Layer</source>
        <translation>Lapisan</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Size</source>
        <translation>Ukuran</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Progress</source>
        <translation>Kemajuan</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Layers</source>
        <translation>Daftar lapisan</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Overall progress</source>
        <translation>Kemajuan keseluruhan</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Pull</source>
        <translation>&amp;Tarik</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Stop this pull. Layers downloaded so far are kept, and pulling again resumes them.</source>
        <translation>Hentikan penarikan ini. Layer yang sudah diunduh disimpan, dan penarikan berikutnya melanjutkannya.</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Cancelling the pull of %1…</source>
        <translation>Membatalkan penarikan %1…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Could not cancel the pull: %1</source>
        <translation>Tidak dapat membatalkan penarikan: %1</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Pulling %1…</source>
        <translation>Menarik %1…</translation>
    </message>
    <message>
        <location line="+56"/>
        <source>The pull was cancelled. Layers downloaded so far are kept; pulling again resumes them.</source>
        <translation>Penarikan dibatalkan. Layer yang sudah diunduh disimpan; penarikan berikutnya melanjutkannya.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&lt;b&gt;The pull failed.&lt;/b&gt; %1</source>
        <translation>&lt;b&gt;Penarikan gagal.&lt;/b&gt; %1</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Pulled %1 (%2).</source>
        <translation>%1 telah ditarik (%2).</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::MainWindow</name>
    <message>
        <location filename="../app/gui/MainWindow.cpp" line="+62"/>
        <location line="+393"/>
        <source>Vivarium</source>
        <translation>Vivarium</translation>
    </message>
    <message>
        <location line="-385"/>
        <source>Starting vivariumd…</source>
        <translation>Memulai vivariumd…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Lost the connection to vivariumd: %1. Retrying…</source>
        <translation>Koneksi ke vivariumd terputus: %1. Mencoba lagi…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Not connected: %1</source>
        <translation>Tidak terhubung: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cannot connect to vivariumd.</source>
        <translation>Tidak dapat terhubung ke vivariumd.</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>&amp;New Sandbox…</source>
        <translation>Sandbox &amp;Baru…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Create a sandbox (%1)</source>
        <translation>Buat sandbox (%1)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Start</source>
        <translation>&amp;Mulai</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Start the selected sandboxes (Ctrl+R)</source>
        <translation>Mulai sandbox yang dipilih (Ctrl+R)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>start</source>
        <translation>memulai</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>S&amp;top</source>
        <translation>Hen&amp;tikan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stop the selected sandboxes (Ctrl+.)</source>
        <translation>Hentikan sandbox yang dipilih (Ctrl+.)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>stop</source>
        <translation>menghentikan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Pause</source>
        <translation>&amp;Jeda</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Freeze the selected sandboxes; their memory stays in use (Ctrl+Alt+P)</source>
        <translation>Bekukan sandbox yang dipilih; memorinya tetap terpakai (Ctrl+Alt+P)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pause</source>
        <translation>jeda</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Res&amp;ume</source>
        <translation>Lan&amp;jutkan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Continue the selected paused or hibernated sandboxes (Ctrl+Alt+R)</source>
        <translation>Lanjutkan sandbox terpilih yang dijeda atau dihibernasi (Ctrl+Alt+R)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>resume</source>
        <translation>lanjutkan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Hibernate</source>
        <translation>&amp;Hibernasi</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Write the selected sandboxes&apos; memory to disk and free it; Resume brings them back with their processes (Ctrl+Alt+H)</source>
        <translation>Tulis memori sandbox yang dipilih ke disk dan bebaskan; Lanjutkan mengembalikannya beserta prosesnya (Ctrl+Alt+H)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>hibernate</source>
        <translation>hibernasi</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Delete…</source>
        <translation>&amp;Hapus…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Delete the selected sandboxes (Delete)</source>
        <translation>Hapus sandbox yang dipilih (Delete)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Reconnect</source>
        <translation>&amp;Sambung Ulang</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Filter</source>
        <translation>&amp;Filter</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Open &amp;Terminal</source>
        <translation>Buka &amp;Terminal</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open a shell in the selected sandbox (Ctrl+Shift+T)</source>
        <translation>Buka shell di sandbox yang dipilih (Ctrl+Shift+T)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Quit</source>
        <translation>&amp;Keluar</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;File</source>
        <translation>&amp;Berkas</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Sandbox</source>
        <translation>&amp;Sandbox</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+46"/>
        <location line="+36"/>
        <source>Sandboxes</source>
        <translation>Sandbox</translation>
    </message>
    <message>
        <location line="-66"/>
        <source>Filter sandboxes (Ctrl+F)</source>
        <translation>Filter sandbox (Ctrl+F)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Filter sandboxes</source>
        <translation>Filter sandbox</translation>
    </message>
    <message>
        <location line="+65"/>
        <source>Templates</source>
        <translation>Templat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Images</source>
        <translation>Image</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Secrets &amp;&amp; Routes</source>
        <translation>Rahasia &amp;&amp; Rute</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Pools</source>
        <translation>Pool</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>&amp;View</source>
        <translation>&amp;Tampilan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Sandboxes</source>
        <translation>&amp;Sandbox</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>T&amp;emplates</source>
        <translation>T&amp;emplat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Images</source>
        <translation>&amp;Image</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Secrets &amp;&amp; &amp;Routes</source>
        <translation>Rahasia &amp;&amp; &amp;Rute</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Pools</source>
        <translation>&amp;Pool</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;Appearance</source>
        <translation>&amp;Tema</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;System</source>
        <translation>Ikuti &amp;sistem</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Light</source>
        <translation>Te&amp;rang</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Dark</source>
        <translation>&amp;Gelap</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Connecting to vivariumd…</source>
        <translation>Menghubungkan ke vivariumd…</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Lost the connection to vivariumd. Reconnecting…</source>
        <translation>Koneksi ke vivariumd terputus. Menyambung kembali…</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Connected to %1 at %2</source>
        <translation>Terhubung ke %1 di %2</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Cannot read the service&apos;s templates.</source>
        <translation>Tidak dapat membaca templat layanan.</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Cannot list the sandboxes.</source>
        <translation>Tidak dapat menampilkan daftar sandbox.</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Sandbox “%1” is idle: it will be hibernated in %2 s unless it is used.</source>
        <translation>Sandbox “%1” menganggur: akan dihibernasi dalam %2 dtk kecuali dipakai.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sandbox “%1” is idle: it will be stopped in %2 s unless it is used.</source>
        <translation>Sandbox “%1” menganggur: akan dihentikan dalam %2 dtk kecuali dipakai.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Running under TCG emulation: guests are not a security boundary</source>
        <translation>Berjalan dengan emulasi TCG: guest bukan batas keamanan</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Accelerator: KVM</source>
        <translation>Akselerator: KVM</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Accelerator: %1</source>
        <translation>Akselerator: %1</translation>
    </message>
    <message>
        <location line="+106"/>
        <source>Could not %1 sandbox “%2”.</source>
        <translation>Tidak dapat %1 sandbox “%2”.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Delete sandbox “%1”? Its disk, its snapshots and the records of its runs are deleted too.</source>
        <translation>Hapus sandbox “%1”? Disk, snapshot, dan catatan eksekusinya juga dihapus.</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>Delete %n sandboxes (%1)? Their disks, snapshots and the records of their runs are deleted too.</source>
        <translation>
            <numerusform>Hapus %n sandbox (%1)? Disk, snapshot, dan catatan eksekusinya juga dihapus.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Delete Sandbox</source>
        <translation>Hapus Sandbox</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Could not delete sandbox “%1”.</source>
        <translation>Tidak dapat menghapus sandbox “%1”.</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::NetworkTab</name>
    <message>
        <location filename="../app/gui/NetworkTab.cpp" line="+41"/>
        <source>%1 → guest port %2</source>
        <translation>%1 → port tamu %2</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 (route %2)</source>
        <translation>%1 (rute %2)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Guest port</source>
        <translation>Port tamu</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>open</source>
        <translation>terbuka</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>waits for the sandbox to run</source>
        <translation>menunggu sandbox berjalan</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Connections</source>
        <translation>Koneksi</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 (%2 open)</source>
        <translation>%1 (%2 terbuka)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>In</source>
        <translation>Masuk</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Out</source>
        <translation>Keluar</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Time</source>
        <translation>Waktu</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Kind</source>
        <translation>Jenis</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Request</source>
        <translation>Permintaan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>ok</source>
        <translation>ok</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Up</source>
        <translation>Naik</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Down</source>
        <translation>Turun</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Open &amp;Tunnel…</source>
        <translation>Buka &amp;Terowongan…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open in &amp;Browser</source>
        <translation>Buka di &amp;Peramban</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Copy &amp;URL</source>
        <translation>Salin &amp;URL</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Close Tunnel</source>
        <translation>&amp;Tutup Terowongan</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Click a URL to open it in your browser</source>
        <translation>Klik URL untuk membukanya di peramban Anda</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>&lt;b&gt;Tunnels&lt;/b&gt; — guest ports reachable from this computer</source>
        <translation>&lt;b&gt;Terowongan&lt;/b&gt; — port tamu yang dapat dijangkau dari komputer ini</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&lt;b&gt;Network log&lt;/b&gt; — tunnel connections and outgoing requests</source>
        <translation>&lt;b&gt;Log jaringan&lt;/b&gt; — koneksi terowongan dan permintaan keluar</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Open Tunnel</source>
        <translation>Buka Terowongan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Guest port to reach from this computer:</source>
        <translation>Port tamu yang akan dijangkau dari komputer ini:</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Cannot reach vivariumd: %1</source>
        <translation>Tidak dapat menjangkau vivariumd: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The connection to vivariumd was lost; this tab is no longer updated.</source>
        <translation>Koneksi ke vivariumd terputus; tab ini tidak lagi diperbarui.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Cannot list the tunnels: %1</source>
        <translation>Tidak dapat menampilkan daftar terowongan: %1</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>Not connected to vivariumd.</source>
        <translation>Tidak tersambung ke vivariumd.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Cannot open a tunnel to port %1: %2</source>
        <translation>Tidak dapat membuka terowongan ke port %1: %2</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Cannot close the tunnel to port %1: %2</source>
        <translation>Tidak dapat menutup terowongan ke port %1: %2</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::NewSandboxDialog</name>
    <message>
        <location filename="../app/gui/NewSandboxDialog.cpp" line="+23"/>
        <source>New Sandbox</source>
        <translation>Sandbox Baru</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%1 (%n vCPU(s), %2 MiB)</source>
        <translation>
            <numerusform>%1 (%n vCPU, %2 MiB)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The template&apos;s image</source>
        <translation>Image dari templat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pulled images (Images page). The template&apos;s vCPUs, memory, disk, environment and user stay.</source>
        <translation>Image yang ditarik (halaman Image). vCPU, memori, disk, lingkungan, dan pengguna dari templat tetap dipakai.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Image</source>
        <translation>Image</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>optional; chosen for you when empty</source>
        <translation>opsional; dipilihkan otomatis bila kosong</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>C&amp;reate</source>
        <translation>B&amp;uat</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;Template:</source>
        <translation>&amp;Templat:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Image:</source>
        <translation>&amp;Image:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Name:</source>
        <translation>&amp;Nama:</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>&amp;Hide</source>
        <translation>&amp;Sembunyikan</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Cancel</source>
        <translation>&amp;Batal</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Creating the sandbox and waiting for it to boot…</source>
        <translation>Membuat sandbox dan menunggu hingga selesai boot…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Could not create the sandbox: %1</source>
        <translation>Tidak dapat membuat sandbox: %1</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::PoolChart</name>
    <message>
        <location filename="../app/gui/PoolChart.cpp" line="+10"/>
        <source>Pool history</source>
        <translation>Riwayat pool</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>History appears as the pool is sampled</source>
        <translation>Riwayat muncul saat pool dicuplik</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::PoolsPage</name>
    <message>
        <location filename="../app/gui/PoolsPage.cpp" line="+30"/>
        <source>Warm pools keep sandboxes booted ahead of time, so that creating one from their template is instant. Set a pool in a template&apos;s dialog or with: viv template edit NAME --pool-min 1 --pool-max 3</source>
        <translation>Pool hangat menjaga sandbox sudah menyala lebih dulu, sehingga membuat sandbox dari templatnya langsung jadi. Atur pool di dialog templat atau dengan: viv template edit NAME --pool-min 1 --pool-max 3</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>No template has a warm pool.</source>
        <translation>Tidak ada templat yang memiliki pool hangat.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Cannot list the warm pools.</source>
        <translation>Tidak dapat menampilkan daftar pool hangat.</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Pool of template %1</source>
        <translation>Pool templat %1</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Edit pool…</source>
        <translation>Ubah pool…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Change this template&apos;s pool (and the rest of the template)</source>
        <translation>Ubah pool templat ini (dan bagian templat lainnya)</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>ready</source>
        <translation>siap</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>booting</source>
        <translation>menyala</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>in use</source>
        <translation>dipakai</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>full</source>
        <translation>penuh</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>filling</source>
        <translation>mengisi</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>refills failing</source>
        <translation>pengisian gagal</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>being removed</source>
        <translation>sedang dihapus</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>min %1 · max %2 · target %3 · %4</source>
        <translation>min %1 · maks %2 · target %3 · %4</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Refill failed (%1 in a row): %2 Next try at %3.</source>
        <translation>Pengisian gagal (%1 kali berturut-turut): %2 Percobaan berikutnya pukul %3.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Refill failed: %1</source>
        <translation>Pengisian gagal: %1</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Cannot open template “%1”.</source>
        <translation>Tidak dapat membuka templat “%1”.</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::RouteDialog</name>
    <message>
        <location filename="../app/gui/CredentialsPage.cpp" line="+98"/>
        <source>Edit Route “%1”</source>
        <translation>Ubah Rute “%1”</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Add Route</source>
        <translation>Tambah Rute</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>e.g. openai</source>
        <translation>mis. openai</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Upstream</source>
        <translation>Upstream</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. https://api.openai.com/v1</source>
        <translation>mis. https://api.openai.com/v1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Header</source>
        <translation>Header</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Value</source>
        <translation>Nilai</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Headers</source>
        <translation>Header</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Add &amp;Header</source>
        <translation>Tambah &amp;Header</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Remove Header</source>
        <translation>&amp;Hapus Header</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>&amp;Save</source>
        <translation>&amp;Simpan</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&amp;Add</source>
        <translation>&amp;Tambah</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>&amp;Name:</source>
        <translation>&amp;Nama:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Upstream:</source>
        <translation>&amp;Upstream:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Headers:</source>
        <translation>&amp;Header:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write a secret as {secret:NAME}; the host puts its value in when a sandbox&apos;s request goes out. Secrets set now: %1.</source>
        <translation>Tulis rahasia sebagai {secret:NAME}; host memasukkan nilainya ketika permintaan sandbox keluar. Rahasia yang sudah diatur: %1.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>none</source>
        <translation>tidak ada</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>Give the route a name.</source>
        <translation>Beri nama rute itu.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A name is 1–32 lower-case letters, digits and “_”, starting with a letter.</source>
        <translation>Nama terdiri dari 1–32 huruf kecil, angka, dan “_”, diawali huruf.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>There is already a route named “%1”.</source>
        <translation>Sudah ada rute bernama “%1”.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The URL requests go to, e.g. https://api.openai.com/v1.</source>
        <translation>URL tujuan permintaan, mis. https://api.openai.com/v1.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Not set yet: %1. Set it before a sandbox uses this route.</source>
        <translation>Belum diatur: %1. Atur sebelum sandbox memakai rute ini.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Saving…</source>
        <translation>Menyimpan…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Could not save the route: %1</source>
        <translation>Tidak dapat menyimpan rute: %1</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::RunExportActions</name>
    <message>
        <location filename="../app/gui/RunExportActions.cpp" line="+17"/>
        <source>Export as asciinema &amp;cast…</source>
        <translation>Ekspor sebagai &amp;cast asciinema…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export as &amp;text…</source>
        <translation>Ekspor sebagai &amp;teks…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Save the run&apos;s output with its timing, to replay it with asciinema or share it</source>
        <translation>Simpan keluaran eksekusi beserta waktunya, untuk diputar ulang dengan asciinema atau dibagikan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save the run&apos;s output as plain text, without terminal escape codes</source>
        <translation>Simpan keluaran eksekusi sebagai teks biasa, tanpa kode escape terminal</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Export run %1 as an asciinema cast</source>
        <translation>Ekspor eksekusi %1 sebagai cast asciinema</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export run %1 as text</source>
        <translation>Ekspor eksekusi %1 sebagai teks</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>asciinema casts (*.cast)</source>
        <translation>Cast asciinema (*.cast)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Text files (*.txt)</source>
        <translation>Berkas teks (*.txt)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All files (*)</source>
        <translation>Semua berkas (*)</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Cannot export run %1: %2</source>
        <translation>Tidak dapat mengekspor eksekusi %1: %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+9"/>
        <source>cannot write %1 (%2)</source>
        <translation>tidak dapat menulis %1 (%2)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Run %1 exported to %2</source>
        <translation>Eksekusi %1 diekspor ke %2</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::RunOutputView</name>
    <message>
        <location filename="../app/gui/RunOutputView.cpp" line="+27"/>
        <source>E&amp;xport</source>
        <translation>Ek&amp;spor</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the selected run&apos;s output as an asciinema cast or as text</source>
        <translation>Simpan keluaran eksekusi terpilih sebagai cast asciinema atau sebagai teks</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Run output</source>
        <translation>Keluaran eksekusi</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select a run to see its output.</source>
        <translation>Pilih eksekusi untuk melihat keluarannya.</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>[%1 of output skipped to keep up; Export has all of it]</source>
        <translation>[%1 keluaran dilewati agar tetap mengikuti; Ekspor berisi semuanya]</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::RunsModel</name>
    <message>
        <location filename="../app/gui/RunsModel.cpp" line="+153"/>
        <source>timed out</source>
        <translation>waktu habis</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>error: %1</source>
        <translation>galat: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>signal %1</source>
        <translation>sinyal %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>exit %1</source>
        <translation>keluar %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ended</source>
        <translation>selesai</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>running</source>
        <translation>berjalan</translation>
    </message>
    <message>
        <location line="+59"/>
        <source>%1 s</source>
        <translation>%1 dtk</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Command</source>
        <translation>Perintah</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Origin</source>
        <translation>Asal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Started</source>
        <translation>Dimulai</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Duration</source>
        <translation>Durasi</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Exit status</source>
        <translation>Status keluar</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::SandboxModel</name>
    <message>
        <location filename="../app/gui/SandboxModel.cpp" line="+184"/>
        <source>creating</source>
        <translation>membuat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>booting</source>
        <translation>memulai</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ready</source>
        <translation>siap</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>running</source>
        <translation>berjalan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>stopping</source>
        <translation>menghentikan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>stopped</source>
        <translation>berhenti</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>error</source>
        <translation>galat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>removing</source>
        <translation>menghapus</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>paused</source>
        <translation>dijeda</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>saving</source>
        <translation>menyimpan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>hibernated</source>
        <translation>dihibernasi</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1 s</source>
        <translation>%1 dtk</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 min %2 s</source>
        <translation>%1 mnt %2 dtk</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 h %2 min</source>
        <translation>%1 j %2 mnt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 d %2 h</source>
        <translation>%1 hr %2 j</translation>
    </message>
    <message numerus="yes">
        <location line="+49"/>
        <source>CPU time the virtual machine uses on the host; 100 % is one host CPU (the guest has %n vCPU(s))</source>
        <translation>
            <numerusform>Waktu CPU yang dipakai mesin virtual di host; 100 % adalah satu CPU host (guest memiliki %n vCPU)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Host memory the virtual machine uses; the guest was given %1</source>
        <translation>Memori host yang dipakai mesin virtual; guest diberi %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sandbox %1</source>
        <translation>Sandbox %1</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>%1 (%2 running)</source>
        <translation>%1 (%2 berjalan)</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Template</source>
        <translation>Templat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Uptime</source>
        <translation>Waktu aktif</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Runs</source>
        <translation>Eksekusi</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Memory</source>
        <translation>Memori</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::SandboxView</name>
    <message>
        <location filename="../app/gui/SandboxView.cpp" line="+37"/>
        <source>Select a sandbox to see its runs and details.</source>
        <translation>Pilih sandbox untuk melihat eksekusi dan detailnya.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Runs</source>
        <translation>&amp;Eksekusi</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Details</source>
        <translation>&amp;Detail</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Terminal</source>
        <translation>&amp;Terminal</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>F&amp;iles</source>
        <translation>Be&amp;rkas</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Net&amp;work</source>
        <translation>Jar&amp;ingan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>S&amp;napshots</source>
        <translation>S&amp;napshot</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Runs</source>
        <translation>Eksekusi</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Name:</source>
        <translation>Nama:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>ID:</source>
        <translation>ID:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Template:</source>
        <translation>Templat:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Image:</source>
        <translation>Citra:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Resources:</source>
        <translation>Sumber daya:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Accelerator:</source>
        <translation>Akselerator:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Created:</source>
        <translation>Dibuat:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ready since:</source>
        <translation>Siap sejak:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Agent:</source>
        <translation>Agen:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Runs:</source>
        <translation>Eksekusi:</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Disk use:</source>
        <translation>Pemakaian disk:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last error:</source>
        <translation>Galat terakhir:</translation>
    </message>
    <message>
        <location line="+75"/>
        <location line="+4"/>
        <source>Cannot follow the runs of this sandbox: %1</source>
        <translation>Tidak dapat mengikuti eksekusi sandbox ini: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The connection to vivariumd was lost; runs are no longer updated.</source>
        <translation>Koneksi ke vivariumd terputus; eksekusi tidak lagi diperbarui.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message numerus="yes">
        <location line="+8"/>
        <source>%n vCPU(s), %1 MiB memory</source>
        <translation>
            <numerusform>%n vCPU, memori %1 MiB</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>TCG (emulation; not a security boundary)</source>
        <translation>TCG (emulasi; bukan batas keamanan)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KVM (hardware virtualization)</source>
        <translation>KVM (virtualisasi perangkat keras)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 on the host, besides the shared base image</source>
        <translation>%1 di host, di luar citra dasar bersama</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>[The first %1 of this run&apos;s output are not shown here. All of it: Export, or viv logs %2 %3]</source>
        <translation>[%1 pertama keluaran run ini tidak ditampilkan di sini. Seluruhnya: Ekspor, atau viv logs %2 %3]</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Run %1 (running): %2</source>
        <translation>Eksekusi %1 (berjalan): %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run %1 (%2): %3</source>
        <translation>Eksekusi %1 (%2): %3</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::SecretDialog</name>
    <message>
        <location filename="../app/gui/CredentialsPage.cpp" line="-245"/>
        <source>Set Secret</source>
        <translation>Atur Rahasia</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Replace Secret “%1”</source>
        <translation>Ganti Rahasia “%1”</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. OPENAI_API_KEY</source>
        <translation>mis. OPENAI_API_KEY</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Value</source>
        <translation>Nilai</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>pasted here; never shown again</source>
        <translation>tempel di sini; tidak akan ditampilkan lagi</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Save</source>
        <translation>&amp;Simpan</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Name:</source>
        <translation>&amp;Nama:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Value:</source>
        <translation>&amp;Nilai:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The value is kept on this computer and never enters a sandbox.</source>
        <translation>Nilai disimpan di komputer ini dan tidak pernah masuk ke sandbox.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The value is kept in the %1 and never enters a sandbox.</source>
        <translation>Nilai disimpan di %1 dan tidak pernah masuk ke sandbox.</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Give the secret a name.</source>
        <translation>Beri nama rahasia itu.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A name is 1–64 upper-case letters, digits and “_”, not starting with a digit (e.g. OPENAI_API_KEY).</source>
        <translation>Nama terdiri dari 1–64 huruf besar, angka, dan “_”, tidak diawali angka (mis. OPENAI_API_KEY).</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Saving…</source>
        <translation>Menyimpan…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Could not save the secret: %1</source>
        <translation>Tidak dapat menyimpan rahasia: %1</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::SnapshotsTab</name>
    <message>
        <location filename="../app/gui/SnapshotsTab.cpp" line="+38"/>
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Created</source>
        <translation>Dibuat</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Memory</source>
        <translation>Memori</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>yes</source>
        <translation>ya</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>no</source>
        <translation>tidak</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size</source>
        <translation>Ukuran</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Taken while</source>
        <translation>Diambil saat</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Take Snapshot…</source>
        <translation>&amp;Ambil Snapshot…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Restore</source>
        <translation>&amp;Pulihkan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Fork</source>
        <translation>&amp;Fork</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Delete</source>
        <translation>&amp;Hapus</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Snapshots</source>
        <translation>Snapshot</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Take Snapshot</source>
        <translation>Ambil Snapshot</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Include &amp;memory (running processes)</source>
        <translation>Sertakan &amp;memori (proses yang berjalan)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The sandbox is not running: there is no memory to save.</source>
        <translation>Sandbox tidak berjalan: tidak ada memori untuk disimpan.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>&amp;Name:</source>
        <translation>&amp;Nama:</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>Cannot reach vivariumd: %1</source>
        <translation>Tidak dapat menjangkau vivariumd: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The connection to vivariumd was lost; this tab is no longer updated.</source>
        <translation>Koneksi ke vivariumd terputus; tab ini tidak lagi diperbarui.</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Cannot list the snapshots: %1</source>
        <translation>Tidak dapat menampilkan daftar snapshot: %1</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Not connected to vivariumd.</source>
        <translation>Tidak tersambung ke vivariumd.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Taking snapshot %1 (disk and memory)…</source>
        <translation>Mengambil snapshot %1 (disk dan memori)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Taking snapshot %1…</source>
        <translation>Mengambil snapshot %1…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Cannot take snapshot %1: %2</source>
        <translation>Tidak dapat mengambil snapshot %1: %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Snapshot %1 taken.</source>
        <translation>Snapshot %1 diambil.</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Put sandbox %1 back to snapshot %2? Its disk is replaced by the snapshot&apos;s and it runs again with the snapshot&apos;s processes. Changes since are lost.</source>
        <translation>Kembalikan sandbox %1 ke snapshot %2? Disknya diganti dengan disk snapshot dan ia berjalan lagi dengan proses snapshot. Perubahan sejak itu hilang.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Put sandbox %1 back to snapshot %2? Its disk is replaced by the snapshot&apos;s; changes since are lost.</source>
        <translation>Kembalikan sandbox %1 ke snapshot %2? Disknya diganti dengan disk snapshot; perubahan sejak itu hilang.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Restore Snapshot</source>
        <translation>Pulihkan Snapshot</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Restoring snapshot %1…</source>
        <translation>Memulihkan snapshot %1…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Cannot restore snapshot %1: %2</source>
        <translation>Tidak dapat memulihkan snapshot %1: %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Snapshot %1 restored.</source>
        <translation>Snapshot %1 dipulihkan.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Forking a new sandbox from snapshot %1…</source>
        <translation>Membuat fork sandbox baru dari snapshot %1…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Cannot fork snapshot %1: %2</source>
        <translation>Tidak dapat membuat fork dari snapshot %1: %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Forked %1 from snapshot %2, with its processes.</source>
        <translation>Fork %1 dibuat dari snapshot %2, beserta prosesnya.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Forked %1 from snapshot %2 (booted from its disk).</source>
        <translation>Fork %1 dibuat dari snapshot %2 (dinyalakan dari disknya).</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Delete Snapshot</source>
        <translation>Hapus Snapshot</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete snapshot %1 of sandbox %2? Forks made from it are not affected.</source>
        <translation>Hapus snapshot %1 dari sandbox %2? Fork yang dibuat darinya tidak terpengaruh.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Cannot delete snapshot %1: %2</source>
        <translation>Tidak dapat menghapus snapshot %1: %2</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Stop the sandbox first: a running sandbox cannot be restored.</source>
        <translation>Hentikan sandbox dulu: sandbox yang berjalan tidak dapat dipulihkan.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select a snapshot to restore.</source>
        <translation>Pilih snapshot yang akan dipulihkan.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Put the sandbox back to the selected snapshot.</source>
        <translation>Kembalikan sandbox ke snapshot yang dipilih.</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::TemplateDialog</name>
    <message>
        <location filename="../app/gui/TemplateDialog.cpp" line="+52"/>
        <source>New Template</source>
        <translation>Templat Baru</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Duplicate Template “%1”</source>
        <translation>Gandakan Templat “%1”</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Edit Template “%1”</source>
        <translation>Ubah Templat “%1”</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+44"/>
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location line="-34"/>
        <source>e.g. web</source>
        <translation>mis. web</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>optional</source>
        <translation>opsional</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The root filesystem of the sandboxes made from this template</source>
        <translation>Sistem berkas akar sandbox yang dibuat dari templat ini</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+5"/>
        <source> MiB</source>
        <translation> MiB</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Image size</source>
        <translation>Ukuran image</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The disk the sandbox sees; its filesystem grows to fill it at boot</source>
        <translation>Disk yang dilihat sandbox; sistem berkasnya membesar memenuhinya saat boot</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>the user&apos;s home directory</source>
        <translation>direktori rumah pengguna</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>root</source>
        <translation>root</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Value</source>
        <translation>Nilai</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Environment</source>
        <translation>Lingkungan</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Add Variable</source>
        <translation>&amp;Tambah Variabel</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Re&amp;move Variable</source>
        <translation>&amp;Hapus Variabel</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>&amp;Save</source>
        <translation>&amp;Simpan</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>C&amp;reate</source>
        <translation>B&amp;uat</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>&amp;Name:</source>
        <translation>&amp;Nama:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Description:</source>
        <translation>&amp;Deskripsi:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Image:</source>
        <translation>&amp;Image:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;vCPUs:</source>
        <translation>&amp;vCPU:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Memory:</source>
        <translation>&amp;Memori:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dis&amp;k:</source>
        <translation>Dis&amp;k:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Working directory:</source>
        <translation>Direktori ke&amp;rja:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;User:</source>
        <translation>&amp;Pengguna:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Environment:</source>
        <translation>&amp;Lingkungan:</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>None — no way out of the sandbox</source>
        <translation>Tidak ada — tidak ada jalan keluar dari sandbox</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Proxy — only the allowed hosts, through the host</source>
        <translation>Proxy — hanya host yang diizinkan, melalui host</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open — a network interface</source>
        <translation>Terbuka — sebuah antarmuka jaringan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Egress</source>
        <translation>Egress</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>one host a line: pypi.org, *.github.com:443, 10.0.0.5:8080</source>
        <translation>satu host per baris: pypi.org, *.github.com:443, 10.0.0.5:8080</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Allowed hosts</source>
        <translation>Host yang diizinkan</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Routes</source>
        <translation>Rute</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Network</source>
        <translation>Jaringan</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>E&amp;gress:</source>
        <translation>E&amp;gress:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Allowed hosts:</source>
        <translation>Host yang &amp;diizinkan:</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Routes:</source>
        <translation>&amp;Rute:</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Commands in sandboxes made from this template get its environment, working directory and user unless they give their own. A sandbox keeps the settings it was made with.</source>
        <translation>Perintah di sandbox yang dibuat dari templat ini mendapat lingkungan, direktori kerja, dan pengguna templat, kecuali perintah itu memberikan miliknya sendiri. Sandbox tetap memakai pengaturan saat ia dibuat.</translation>
    </message>
    <message>
        <location line="+16"/>
        <location line="+33"/>
        <source> s</source>
        <translation> dtk</translation>
    </message>
    <message>
        <location line="-32"/>
        <source>Never</source>
        <translation>Tidak pernah</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Idle timeout in seconds</source>
        <translation>Batas waktu menganggur dalam detik</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Stop it</source>
        <translation>Hentikan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Hibernate it (processes kept, memory freed)</source>
        <translation>Hibernasikan (proses disimpan, memori dibebaskan)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Idle sandboxes</source>
        <translation>Sandbox menganggur</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>After &amp;idle for:</source>
        <translation>Setelah &amp;menganggur selama:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Then:</source>
        <translation>&amp;Lalu:</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>None kept</source>
        <translation>Tidak ada yang dijaga</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sandboxes kept booted and ready, so that a new one from this template starts at once</source>
        <translation>Sandbox yang dijaga tetap menyala dan siap, sehingga sandbox baru dari templat ini langsung mulai</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>No pool</source>
        <translation>Tanpa pool</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The most the pool grows to when sandboxes are taken faster than it refills</source>
        <translation>Ukuran terbesar pool saat sandbox diambil lebih cepat daripada pengisiannya</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>How long extra ready sandboxes wait unclaimed before the pool shrinks back</source>
        <translation>Berapa lama sandbox siap tambahan menunggu tanpa diambil sebelum pool menyusut lagi</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Warm pool</source>
        <translation>Pool hangat</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Keep &amp;ready:</source>
        <translation>Jaga &amp;siap:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Grow up to (&amp;max):</source>
        <translation>Tumbuh hingga (&amp;maks):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Shrink after idle &amp;for:</source>
        <translation>Menyusut setelah menganggur &amp;selama:</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>%1 (missing)</source>
        <translation>%1 (tidak ada)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>No routes yet: add them on the Secrets &amp; Routes page (Ctrl+4).</source>
        <translation>Belum ada rute: tambahkan di halaman Rahasia &amp; Rute (Ctrl+4).</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A ticked route&apos;s base URL is $NAME_BASE_URL in the sandbox; the host adds its credentials.</source>
        <translation>URL dasar rute yang dicentang adalah $NAME_BASE_URL di dalam sandbox; host menambahkan kredensialnya.</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>Give the template a name.</source>
        <translation>Beri templat sebuah nama.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A name is 1–63 letters, digits, “.”, “_” or “-”, starting with a letter or digit.</source>
        <translation>Nama terdiri dari 1–63 huruf, angka, “.”, “_” atau “-”, diawali huruf atau angka.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>There is already a template named “%1”.</source>
        <translation>Sudah ada templat bernama “%1”.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Choose the image sandboxes boot.</source>
        <translation>Pilih image yang di-boot sandbox.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>At least %1 MiB, or Image size.</source>
        <translation>Minimal %1 MiB, atau Ukuran image.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The pool cannot keep more ready (%1) than its maximum (%2).</source>
        <translation>Pool tidak dapat menjaga lebih banyak sandbox siap (%1) daripada maksimumnya (%2).</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>An absolute path in the sandbox, such as /root.</source>
        <translation>Jalur absolut di dalam sandbox, misalnya /root.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A user name (such as nobody) or a numeric uid.</source>
        <translation>Nama pengguna (misalnya nobody) atau uid berupa angka.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Row %1 has a value but no name.</source>
        <translation>Baris %1 memiliki nilai tetapi tanpa nama.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>“%1” is not a variable name: use letters, digits and “_”, not starting with a digit.</source>
        <translation>“%1” bukan nama variabel: gunakan huruf, angka, dan “_”, tidak diawali angka.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>“%1” is set twice.</source>
        <translation>“%1” diatur dua kali.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Line %1: %2</source>
        <translation>Baris %1: %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Line %1: “%2” is there twice.</source>
        <translation>Baris %1: “%2” muncul dua kali.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Route “%1” does not exist any more; untick it.</source>
        <translation>Rute “%1” sudah tidak ada; hapus centangnya.</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Saving…</source>
        <translation>Menyimpan…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Could not save the template: %1</source>
        <translation>Tidak dapat menyimpan templat: %1</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::TerminalSession</name>
    <message>
        <location filename="../app/gui/terminal/TerminalSession.cpp" line="+27"/>
        <source>&amp;Open shell</source>
        <translation>&amp;Buka shell</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Connecting to vivariumd…</source>
        <translation>Menyambung ke vivariumd…</translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+25"/>
        <source>Cannot open a shell: %1</source>
        <translation>Tidak dapat membuka shell: %1</translation>
    </message>
    <message>
        <location line="-20"/>
        <source>connection lost</source>
        <translation>koneksi terputus</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Starting a shell…</source>
        <translation>Memulai shell…</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Shell running (run %1).</source>
        <translation>Shell berjalan (run %1).</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>[session ended: %1]</source>
        <translation>[sesi berakhir: %1]</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The shell has ended.</source>
        <translation>Shell telah berakhir.</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::TerminalTab</name>
    <message>
        <location filename="../app/gui/terminal/TerminalTab.cpp" line="+12"/>
        <source>Select a sandbox to open a shell in it.</source>
        <translation>Pilih sandbox untuk membuka shell di dalamnya.</translation>
    </message>
</context>
<context>
    <name>vivarium::gui::TerminalWidget</name>
    <message>
        <location filename="../app/gui/terminal/TerminalWidget.cpp" line="+60"/>
        <source>Terminal</source>
        <translation>Terminal</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>&amp;Copy</source>
        <translation>&amp;Salin</translation>
    </message>
</context>
</TS>
